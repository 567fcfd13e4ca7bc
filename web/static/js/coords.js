// Vertices typed or pasted as text: LKS-92 metres (in the surveyors' X = north, Y = east order,
// or the GIS east, north order) or WGS 84 latitude, longitude (decimal with a comma or a point,
// or degrees, minutes, seconds). No DOM here: errors are catalogue keys with their values.
import { fromLks92, toLks92, polygonAreaHa } from "./lks92.js";

export const SYSTEMS = ["lks_xy", "lks_en", "wgs"];
export const MAX_VERTICES = 2000;
const EAST = [300_000, 780_000];
const NORTH = [160_000, 450_000];
const LAT = [55.6, 58.15];
const LON = [20.8, 28.3];
const NUMBER = /^[+-]?\d+(?:[.,]\d+)?$/;
const SPACES = /[\s\u00a0\u202f]+/g;
// 56°54'44.2"N, N 56° 54′ 44,2″, 25°49,3' E; Latvian hemisphere letters too (Z ziemeļu, A austrumu).
const DMS = /([NSEWZDAR])?\s*(\d+(?:[.,]\d+)?)\s*°\s*(?:(\d+(?:[.,]\d+)?)\s*['′’]\s*)?(?:(\d+(?:[.,]\d+)?)\s*(?:["″”]|'')\s*)?([NSEWZDAR])?/giu;

const within = (value, [low, high]) => value >= low && value <= high;
const decimal = (token) => (NUMBER.test(token) ? Number(token.replace(",", ".")) : null);

/** The numbers of one line as text tokens (null when they cannot be told apart). */
function tokens(line) {
  let parts = split(line);
  if (parts && parts.length === 3 && /^\d{1,4}$/.test(parts[0])) parts = parts.slice(1); // a point number first
  return parts;
}

function split(line) {
  if (/[;\t]/.test(line)) return line.split(/[;\t]/).map((t) => t.replace(SPACES, "")).filter(Boolean);
  let parts = line.replace(/,(?=\s)/g, " ").trim().split(SPACES).filter(Boolean);
  if (parts.length === 1) {
    const commas = (line.match(/,/g) || []).length;
    if (commas === 1) parts = line.split(",").map((t) => t.trim());
    else if (commas > 1) return null; // 56,91,26,12: which comma separates?
  }
  // 312 345,6 612 345,7 — numbers grouped by spaces as people print them
  if (parts.length === 4 && /^\d{1,3}$/.test(parts[0]) && /^\d{3}([.,]\d+)?$/.test(parts[1])
    && /^\d{1,3}$/.test(parts[2]) && /^\d{3}([.,]\d+)?$/.test(parts[3])) {
    parts = [parts[0] + parts[1], parts[2] + parts[3]];
  }
  return parts;
}

function dmsValue(match) {
  const [, before, d, m, s, after] = match;
  const value = Number(d.replace(",", ".")) + Number((m || "0").replace(",", ".")) / 60
    + Number((s || "0").replace(",", ".")) / 3600;
  const hemisphere = (before || after || "").toUpperCase();
  const negative = "SWDR".includes(hemisphere) && hemisphere !== "";
  const axis = "NSZD".includes(hemisphere) && hemisphere !== "" ? "lat" : "EWAR".includes(hemisphere) && hemisphere !== "" ? "lon" : null;
  return { value: negative ? -value : value, axis };
}

/** Two numbers of a line: {pair: [a, b], axes?} or null. */
function readLine(line, system) {
  if (system === "wgs" && line.includes("°")) {
    const found = [...line.matchAll(DMS)].map(dmsValue);
    if (found.length !== 2) return null;
    if (found[0].axis === "lon" || found[1].axis === "lat") return { pair: [found[1].value, found[0].value] };
    return { pair: [found[0].value, found[1].value] };
  }
  const parts = tokens(line);
  if (!parts) return null;
  if (system === "wgs" && parts.length === 6 && parts.every((p) => NUMBER.test(p))) {
    const [d1, m1, s1, d2, m2, s2] = parts.map(decimal);
    return { pair: [d1 + m1 / 60 + s1 / 3600, d2 + m2 / 60 + s2 / 3600] };
  }
  if (parts.length !== 2) return null;
  const pair = parts.map(decimal);
  return pair.includes(null) ? null : { pair };
}

const shown = (value) => String(value).replace(".", ",");

/** [lat, lon] of one typed pair, or {error} saying what is wrong with it. */
function position(pair, system, line) {
  const [a, b] = pair;
  const where = { line, first: shown(a), second: shown(b) };
  if (system === "wgs") {
    if (within(a, LAT) && within(b, LON)) return { latlng: [a, b] };
    if (within(a, LON) && within(b, LAT)) return { error: { key: "drawing.coords.swapped_wgs", values: where } };
    return { error: { key: "drawing.coords.outside_wgs", values: where } };
  }
  const [east, north] = system === "lks_xy" ? [b, a] : [a, b];
  if (north >= 6_000_000 && north < 6_500_000) return { error: { key: "drawing.coords.false_northing", values: { line, value: shown(north) } } };
  if (east >= 6_000_000 && east < 6_500_000) return { error: { key: "drawing.coords.swapped_lks", values: where } };
  if (within(east, EAST) && within(north, NORTH)) {
    const latlng = fromLks92(east, north);
    if (within(latlng[0], LAT) && within(latlng[1], LON)) return { latlng };
  }
  if (within(north, EAST) && within(east, NORTH)) return { error: { key: "drawing.coords.swapped_lks", values: where } };
  return { error: { key: "drawing.coords.outside_lks", values: where } };
}

function crosses(p1, p2, p3, p4) {
  const d = (a, b, c) => (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  const d1 = d(p3, p4, p1);
  const d2 = d(p3, p4, p2);
  const d3 = d(p1, p2, p3);
  const d4 = d(p1, p2, p4);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** The first pair of edges that cross, as 1-based numbers of the vertices they start at. */
export function firstCrossing(latlngs) {
  const xy = latlngs.map(([lat, lon]) => toLks92(lat, lon));
  const n = xy.length;
  for (let i = 0; i < n; i += 1) {
    for (let j = i + 2; j < n; j += 1) {
      if (i === 0 && j === n - 1) continue; // neighbours through the closing edge
      if (crosses(xy[i], xy[(i + 1) % n], xy[j], xy[(j + 1) % n])) return [i + 1, j + 1];
    }
  }
  return null;
}

/** The ring of typed text: {latlngs, areaHa} or {error: {key, values}}. */
export function parseVertices(text, system) {
  const lines = String(text ?? "").split(/\r?\n/).map((l) => l.trim());
  const latlngs = [];
  let typed = 0;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (!line || line.startsWith("#")) continue; // blank, comment
    if (!typed && /^[A-Za-zĀ-ž]/.test(line) && !/\d/.test(line)) continue; // a header (X Y, lat lon)
    const read = readLine(line, system);
    if (!read) return { error: { key: "drawing.coords.bad_line", values: { line: i + 1, text: line.slice(0, 40) } } };
    const place = position(read.pair, system, i + 1);
    if (place.error) return place;
    typed += 1;
    const last = latlngs[latlngs.length - 1];
    if (!last || last[0] !== place.latlng[0] || last[1] !== place.latlng[1]) latlngs.push(place.latlng);
  }
  if (!typed) return { error: { key: "drawing.coords.empty", values: {} } };
  if (latlngs.length > 1) {
    const [first, last] = [latlngs[0], latlngs[latlngs.length - 1]];
    if (first[0] === last[0] && first[1] === last[1]) latlngs.pop(); // the ring closed by hand
  }
  if (latlngs.length > MAX_VERTICES) return { error: { key: "drawing.coords.too_many", values: { n: MAX_VERTICES } } };
  if (latlngs.length < 3) return { error: { key: "drawing.coords.too_few", values: { n: latlngs.length } } };
  const crossing = firstCrossing(latlngs);
  if (crossing) return { error: { key: "drawing.coords.crossing", values: { a: crossing[0], b: crossing[1] } } };
  return { latlngs, areaHa: polygonAreaHa([latlngs]) };
}
