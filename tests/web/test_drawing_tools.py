"""The drawing map of a new certificate (issue 17, "Drawing and checking by hand"): it starts at
the parcel the form names, finds parcels and VMD certificates by number, takes polygons from a
file or typed coordinates, and says why a vertex was refused — over the map, in Latvian."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point
from sqlalchemy import Engine, text

from tests.conftest import Account
from tests.factories import ORIGIN
from tests.web.conftest import LiveServer, browser_login, draw_self_crossing_outline

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("web_layers")]

STANDS_LKS = Path("/work/shared/data/latvia/vmd_stands_jumurda_70600050074_lks92.geojson")
MAP = "document.getElementById('map').leafletMap"
TO_WGS = Transformer.from_crs(3059, 4326, always_xy=True)


def open_drawing(page: Any, owner: Account, lang: str = "lv") -> None:
    browser_login(page, owner, lang)
    page.goto("/certificates/new")
    page.wait_for_selector("#map[data-started]")
    page.click("#manual summary")
    page.wait_for_selector(".leaflet-pm-toolbar")


def drawn_area(page: Any) -> float:
    """The live area in ha (shown in the page's decimals; data-ha holds the number)."""
    return float(page.get_attribute("#live-area", "data-ha") or "nan")


def parcel(engine: Engine, other_than: str) -> tuple[str, float, float]:
    """A parcel of the demo land-use cadastre layer: designation and centre (lon, lat)."""
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT f.attrs->>'CODE', ST_X(c), ST_Y(c) FROM layers l JOIN layer_features f "
            "ON f.layer_id = l.id AND f.version = l.current_version, "
            "LATERAL ST_Transform(ST_PointOnSurface(f.geom), 4326) AS c "
            "WHERE l.role = 'land_use_cadastre' AND f.attrs->>'CODE' <> :d "
            "ORDER BY f.attrs->>'CODE' LIMIT 1"), {"d": other_than}).one()
    return str(row[0]), float(row[1]), float(row[2])


def inside_view(page: Any, lon: float, lat: float) -> bool:
    return bool(page.evaluate(f"() => {MAP}.getBounds().contains([{lat}, {lon}])"))


def test_the_map_goes_to_the_named_parcel_and_finds_parcels_and_vmd_certificates(
    page: Any, web_org: dict[str, Account], engine: Engine
) -> None:
    owner = web_org["owner"]  # no felling areas yet: nothing of theirs to find
    designation, lon, lat = parcel(engine, "")
    open_drawing(page, owner)
    page.evaluate(f"() => {MAP}.setView([57.3, 24.0], 12)")  # somewhere else in Latvia
    page.fill("#m-cadastral_designation", designation)
    page.wait_for_selector(f"#m-parcel-status:has-text('Karte rāda zemes vienību {designation}')")
    assert inside_view(page, lon, lat)
    assert page.evaluate(f"() => {MAP}.getZoom()") >= 13

    other, lon2, lat2 = parcel(engine, designation)
    page.evaluate(f"() => {MAP}.setView([57.3, 24.0], 12)")
    page.fill("#place-q", other)  # not one of the owner's areas, but a parcel our layers know
    page.click("#place-go")
    page.wait_for_selector(f"#place-status:has-text('zemes vienību {other}')")
    assert inside_view(page, lon2, lat2)

    page.fill("#place-q", "2522531021")  # a CA number the owner has not saved: VMD's areas
    page.click("#place-go")
    page.wait_for_selector("#place-status:has-text('VMD ciršanas apliecinājums 2522531021')")
    page.fill("#place-q", "99999999999")
    page.click("#place-go")
    page.wait_for_selector("#place-status:has-text('nav')")

    # Half-way through drawing a boundary, naming a parcel shows it but keeps the map still.
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    centre = page.evaluate(f"() => {MAP}.getCenter()")
    page.fill("#m-cadastral_designation", other)
    page.wait_for_selector(f"#m-parcel-status:has-text('{other}')")
    assert page.evaluate(f"() => {MAP}.getCenter()") == centre
    assert not page.js_errors, page.js_errors


def shapefile_zip(frame: gpd.GeoDataFrame, folder: Path) -> bytes:
    frame.to_file(folder / "cirsmas.shp", engine="pyogrio")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("cirsmas.*")):
            archive.write(path, path.name)
    return buffer.getvalue()


def test_a_shapefile_zip_becomes_editable_polygons_and_a_points_file_says_why_not(
    page: Any, web_org: dict[str, Account], tmp_path: Path
) -> None:
    stands = gpd.read_file(STANDS_LKS).iloc[:2][["kvart", "nog", "geometry"]]
    content = shapefile_zip(stands, tmp_path)
    open_drawing(page, web_org["owner"])
    page.set_input_files("#draw-file", files=[{"name": "cirsmas.zip", "mimeType": "application/zip",
                                               "buffer": content}])
    page.wait_for_selector("#draw-file-status:has-text('pievienoti daudzstūri: 2')")
    assert "EPSG:3059" in page.text_content("#draw-file-status")
    expected = float(stands.geometry.area.sum()) / 10_000
    assert drawn_area(page) == pytest.approx(expected, abs=0.01)
    editable = page.evaluate(f"() => {MAP}.pm.getGeomanLayers().filter((l) => "
                             "l instanceof L.Polygon && !l.options.pmIgnore).length")
    assert editable >= 2
    lon, lat = TO_WGS.transform(*stands.geometry.iloc[0].representative_point().coords[0])
    assert inside_view(page, lon, lat)

    points = gpd.GeoDataFrame({"name": ["stabs"]}, geometry=[Point(25.82, 56.91)], crs=4326)
    points.to_file(tmp_path / "stabi.gpx", driver="GPX", engine="pyogrio")
    page.set_input_files("#draw-file", str(tmp_path / "stabi.gpx"))
    page.wait_for_selector("#draw-file-error:not([hidden])")
    assert "tikai atvērtas līnijas (0) un punkti (1)" in page.text_content("#draw-file-error")
    assert page.get_attribute("#draw-file", "aria-invalid") == "true"
    assert drawn_area(page) == pytest.approx(expected, abs=0.01)  # nothing else was added

    wrong = json.dumps({"type": "FeatureCollection", "features": []}).encode()
    page.set_input_files("#draw-file", files=[{
        "name": "tukss.geojson", "mimeType": "application/geo+json", "buffer": wrong}])
    page.wait_for_selector("#draw-file-error:has-text('nav neviena daudzstūra')")
    assert not page.js_errors, page.js_errors


def square_lks(side: float = 100.0) -> list[tuple[float, float]]:
    x, y = ORIGIN
    return [(x, y), (x + side, y), (x + side, y + side), (x, y + side)]


def add_coords(page: Any, system: str, lines: list[str]) -> None:
    page.select_option("#draw-coords-system", system)
    page.fill("#draw-coords-text", "\n".join(lines))
    page.click("#draw-coords-add")


def test_typed_coordinates_in_lks92_and_wgs84_make_a_polygon_and_wrong_ones_say_why(
    page: Any, web_org: dict[str, Account]
) -> None:
    open_drawing(page, web_org["owner"])
    # The surveyors' order, X = north first, with a header line, decimal commas and a repeated
    # closing vertex, as a boundary plan lists them.
    rows = [f"{n:.1f}; {e:.1f}".replace(".", ",") for e, n in square_lks()]
    add_coords(page, "lks_xy", ["X; Y", *rows, rows[0]])
    page.wait_for_selector("#draw-coords-status:has-text('ar 4 virsotnēm (1,00 ha)')")
    assert drawn_area(page) == pytest.approx(1.0, abs=0.005)

    add_coords(page, "lks_xy", [f"{e:.1f} {n:.1f}" for e, n in square_lks()])  # E, N typed
    page.wait_for_selector("#draw-coords-error:has-text('asis ir samainītas')")
    assert page.get_attribute("#draw-coords-text", "aria-invalid") == "true"
    add_coords(page, "lks_en", [f"{e:.1f} {n + 6_000_000:.1f}" for e, n in square_lks()])
    page.wait_for_selector("#draw-coords-error:has-text('atņemiet 6 000 000')")

    # WGS 84 in degrees, minutes and seconds, 200 m further east.
    def dms(value: float) -> str:
        d = int(value)
        m = int((value - d) * 60)
        s = (value - d - m / 60) * 3600
        return f"{d}°{m:02d}'{s:05.2f}\"".replace(".", ",")

    corners = [TO_WGS.transform(e + 200, n) for e, n in square_lks()]
    add_coords(page, "wgs", [f"{dms(lat)}N {dms(lon)}E" for lon, lat in corners])
    page.wait_for_selector("#draw-coords-status:has-text('ar 4 virsotnēm (1,00 ha)')")
    assert drawn_area(page) == pytest.approx(2.0, abs=0.01)

    add_coords(page, "wgs", [f"{lon:.6f}, {lat:.6f}" for lon, lat in corners])  # lon first
    page.wait_for_selector("#draw-coords-error:has-text('platums un garums ir samainīti')")
    add_coords(page, "wgs", ["59,437 24,745", "59,438 24,746", "59,437 24,747"])  # Tallinn
    page.wait_for_selector("#draw-coords-error:has-text('nav Latvijā')")
    bow = [corners[0], corners[2], corners[1], corners[3]]
    add_coords(page, "wgs", [f"{lat:.7f} {lon:.7f}" for lon, lat in bow])
    page.wait_for_selector("#draw-coords-error:has-text('Robeža krusto pati sevi')")
    add_coords(page, "wgs", ["56,91 25,82", "56,92 25,83"])
    page.wait_for_selector("#draw-coords-error:has-text('vismaz trīs')")
    assert drawn_area(page) == pytest.approx(2.0, abs=0.01)  # refused lists added nothing
    assert not page.js_errors, page.js_errors


def test_a_refused_vertex_says_why_over_the_map_while_drawing_and_editing(
    page: Any, web_org: dict[str, Account]
) -> None:
    open_drawing(page, web_org["owner"])
    draw_self_crossing_outline(page)
    notice = page.locator("#map .map-notice")
    notice.wait_for(state="visible")
    assert "krustotu pati sevi" in notice.text_content()
    page.keyboard.press("Escape")  # give up this one
    page.evaluate(f"() => {MAP}.pm.disableDraw()")

    rows = [f"{n:.1f}; {e:.1f}" for e, n in square_lks()]
    add_coords(page, "lks_xy", rows)
    page.wait_for_selector("#draw-coords-status:has-text('ar 4 virsotnēm')")
    assert notice.is_hidden()  # an accepted polygon clears the notice
    page.evaluate(f"() => {MAP}.pm.enableGlobalEditMode()")
    before = page.evaluate(f"""() => {{
        const map = {MAP};
        const layer = map.pm.getGeomanLayers()
            .find((l) => l instanceof L.Polygon && !l.options.pmIgnore);
        window.edited = layer;
        return layer.getLatLngs()[0].map((p) => map.latLngToContainerPoint(p));
    }}""")
    corner, opposite = before[0], before[2]
    box = page.locator("#map").bounding_box()
    # Drag the first corner past the far side: the boundary would become a bow tie.
    start = (box["x"] + corner["x"], box["y"] + corner["y"])
    end = (box["x"] + (corner["x"] + opposite["x"]) / 2 + (opposite["x"] - corner["x"]) * 0.2,
           box["y"] + opposite["y"] + (opposite["y"] - corner["y"]) * 0.8)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=12)
    page.mouse.up()
    page.wait_for_selector("#map .map-notice[data-reason='self_crossing']:has-text('atgriezta')")
    after = page.evaluate(f"() => window.edited.getLatLngs()[0].map((p) => {MAP}"
                          ".latLngToContainerPoint(p))")
    assert abs(after[0]["x"] - corner["x"]) < 1 and abs(after[0]["y"] - corner["y"]) < 1
    assert "krustotu pati sevi" in page.text_content("#m-geometry-error")
    assert not page.js_errors, page.js_errors


def test_the_drawing_tools_speak_english_too(page: Any, web_org: dict[str, Account]) -> None:
    open_drawing(page, web_org["owner"], "en")
    add_coords(page, "wgs", ["25,82 56,91", "25,83 56,91", "25,83 56,92"])
    page.wait_for_selector("#draw-coords-error:has-text('latitude and longitude seem swapped')")
    page.set_input_files("#draw-file", files=[{"name": "plan.dwg", "mimeType": "image/vnd.dwg",
                                               "buffer": b"AC1027"}])
    page.wait_for_selector("#draw-file-error:has-text('is not a supported file')")
    assert not page.js_errors, page.js_errors


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_the_open_drawing_tools_read_in_one_language_and_pass_axe(
    browser: Any, live_server: LiveServer, web_org: dict[str, Account], engine: Engine,
    lang: str,
) -> None:
    from tests.web.test_screens_text_a11y import AXE, english_phrases, shown_text

    context = browser.new_context(viewport={"width": 1366, "height": 800}, base_url=live_server.url,
                                  locale="lv-LV" if lang == "lv" else "en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    try:
        tab = context.new_page()
        open_drawing(tab, web_org["owner"], lang)
        designation, _, _ = parcel(engine, "")
        tab.fill("#m-cadastral_designation", designation)
        tab.wait_for_selector(f"#m-parcel-status:has-text('{designation}')")
        add_coords(tab, "wgs", ["25,82 56,91", "25,83 56,91", "25,83 56,92"])  # refused: swapped
        tab.wait_for_selector("#draw-coords-error:not([hidden])")
        tab.set_input_files("#draw-file", files=[{"name": "a.dwg", "mimeType": "image/vnd.dwg",
                                                  "buffer": b"AC1027"}])
        tab.wait_for_selector("#draw-file-error:not([hidden])")
        rows = [f"{n:.1f}; {e:.1f}" for e, n in square_lks()]
        add_coords(tab, "lks_xy", rows)
        tab.wait_for_selector("#draw-coords-status:not(:empty)")
        tab.evaluate(f"() => {MAP}.pm.enableGlobalEditMode()")  # vertex handles on the map
        tab.wait_for_selector("#map .marker-icon[aria-label]")
        if lang == "lv":
            text = shown_text(tab)
            english = [p for p in english_phrases() if p in text]
            assert not english, english
        tab.add_script_tag(path=str(AXE))
        violations = tab.evaluate("""async () => {
            const r = await axe.run(document, { runOnly: { type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
            return r.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
                .map((v) => `${v.id}: ${v.nodes.slice(0, 4).map((n) => n.target.join(' '))}`);
        }""")
        assert not violations, violations
    finally:
        context.close()
