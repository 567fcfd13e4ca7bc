"""The sentence of each finding, in Latvian and English, with the figures that justify it."""

from __future__ import annotations

import string
from typing import Any

_TEMPLATES: dict[str, tuple[str, str]] = {
    "forest_to_agriculture": (
        "{ha:.2f} ha ({pct:.1f} %) cirsmas {cirsma} ir lauksaimniecības zemē slānī “{layer}” "
        "(v{version}), un 2020. gada beigās tur bija mežs: iespējama atmežošana "
        "lauksaimniecībai.",
        "{ha:.2f} ha ({pct:.1f} %) of felling area {cirsma} lies in agricultural land of layer "
        "“{layer}” (v{version}) that was forest at the end of 2020: possible conversion of "
        "forest to agriculture."),
    "deforestation_permit": (
        "{ha:.2f} ha ({pct:.1f} %) cirsmas {cirsma} ir atmežošanas atļaujā lauksaimniecības "
        "zemes ierīkošanai ({sources}): kokmateriālus nedrīkst laist tirgū.",
        "{ha:.2f} ha ({pct:.1f} %) of felling area {cirsma} is inside a permit to convert forest "
        "to agricultural land ({sources}): the timber may not be placed on the market."),
    "deforestation_permit_unknown": (
        "{ha:.2f} ha ({pct:.1f} %) cirsmas {cirsma} ir atmežošanas atļaujā ({sources}), kuras "
        "mērķis nav zināms: jāpārbauda, vai tā ir lauksaimniecībai.",
        "{ha:.2f} ha ({pct:.1f} %) of felling area {cirsma} is inside a forest conversion permit "
        "({sources}) whose purpose is unknown: check whether it is for agriculture."),
    "deforestation_permit_other": (
        "Cirsma {cirsma} skar atmežošanas atļauju ({sources}) citam mērķim ({purpose}); tā nav "
        "atmežošana lauksaimniecībai ES regulas izpratnē.",
        "Felling area {cirsma} touches a forest conversion permit ({sources}) for another "
        "purpose ({purpose}); this is not deforestation for agriculture under the EUDR."),
    "deforestation_felling": (
        "Cirsmas {cirsma} cirtes veids ir atmežošanas cirte: kokmateriālus nedrīkst laist tirgū.",
        "Felling area {cirsma} is a deforestation felling (atmežošanas cirte): the timber may "
        "not be placed on the market."),
    "forest_2020_share": (
        "{pct:.1f} % cirsmas {cirsma} ({ha:.2f} ha) 2020. gada 31. decembrī bija mežs "
        "(slānis “{layer}”, v{version}).",
        "{pct:.1f} % of felling area {cirsma} ({ha:.2f} ha) was forest on 31 December 2020 "
        "(layer “{layer}”, v{version})."),
    "not_forest_2020": (
        "Tikai {pct:.1f} % cirsmas {cirsma} 2020. gadā bija mežs (slieksnis {limit:.0f} %): "
        "jāpārbauda izcelsme.",
        "Only {pct:.1f} % of felling area {cirsma} was forest in 2020 (threshold {limit:.0f} %): "
        "check the origin of the timber."),
    "protected_area": (
        "{ha:.2f} ha ({pct:.1f} %) cirsmas {cirsma} ir īpaši aizsargājamā teritorijā "
        "({sources}): jāpārbauda ciršanas likumība.",
        "{ha:.2f} ha ({pct:.1f} %) of felling area {cirsma} is inside a protected area "
        "({sources}): check that the felling is lawful."),
    "certificate_expired": (
        "Ciršanas apliecinājuma derīgums beidzās {valid_until}.",
        "The felling certificate expired on {valid_until}."),
    "felling_outside_validity": (
        "Ciršanas laiks {felling_from}–{felling_to} ir ārpus apliecinājuma derīguma "
        "{issued_on}–{valid_until}.",
        "The felling dates {felling_from}–{felling_to} are outside the certificate's validity "
        "{issued_on}–{valid_until}."),
    "no_layer": (
        "Cirsmai {cirsma} nav datu slānī “{role_lv}”: lēmumu “bez iebildumiem” nevar "
        "pieņemt bez datiem.",
        "Felling area {cirsma} has no data in a layer of “{role_en}”: a clear verdict is not "
        "possible without data."),
    "no_forest_data": (
        "{ha:.2f} ha ({pct:.1f} %) cirsmas {cirsma} nav 2020. gada meža kartes datu "
        "(slānis “{layer}”, v{version}).",
        "{ha:.2f} ha ({pct:.1f} %) of felling area {cirsma} has no 2020 forest map data "
        "(layer “{layer}”, v{version})."),
}


class _DecimalComma(string.Formatter):
    """Figures the Latvian way: ``12,50 ha``, ``45,0 %`` (a decimal comma, as on every screen)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        text = str(super().format_field(value, format_spec))
        return text.replace(".", ",") if isinstance(value, float) else text


_LATVIAN = _DecimalComma()


# Layer roles as a person names them (a role code is not a word on a screen).
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "forest_2020": ("mežs 2020. gada beigās", "forest at the end of 2020"),
    "agriculture": ("lauksaimniecības zeme", "agricultural land"),
    "deforestation_permit": ("atmežošanas atļaujas", "deforestation permits"),
    "protected_area": ("aizsargājamās teritorijas", "protected areas"),
    "land_use_cadastre": ("kadastra zemes lietošanas mērķi", "cadastral land use"),
    "forest_compartments": ("meža nogabali", "forest compartments"),
}


def message(key: str, **values: Any) -> tuple[str, str]:
    """The (Latvian, English) sentence ``key`` filled with ``values``."""
    lv, en = _TEMPLATES[key]
    if "role" in values:
        values["role_lv"], values["role_en"] = ROLE_NAMES.get(values["role"],
                                                              (values["role"],) * 2)
    return _LATVIAN.format(lv, **values), en.format(**values)
