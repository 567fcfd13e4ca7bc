"""Tree species codes of the Forest State Register with Latvian, English and scientific names.

Source: ../shared/docs/domain.md §5. Never mix with other code lists (LVM numbers differently).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Species:
    code: int
    name_lv: str
    name_en: str
    scientific: str
    conifer: bool


SPECIES: dict[int, Species] = {
    s.code: s
    for s in (
        Species(1, "priede", "Scots pine", "Pinus sylvestris", True),
        Species(3, "egle", "Norway spruce", "Picea abies", True),
        Species(4, "bērzs", "birch", "Betula pendula", False),
        Species(6, "melnalksnis", "black alder", "Alnus glutinosa", False),
        Species(8, "apse", "aspen", "Populus tremula", False),
        Species(9, "baltalksnis", "grey alder", "Alnus incana", False),
        Species(10, "ozols", "oak", "Quercus robur", False),
        Species(11, "osis", "ash", "Fraxinus excelsior", False),
        Species(12, "liepa", "lime", "Tilia cordata", False),
        Species(13, "lapegle", "larch", "Larix spp.", True),
        Species(14, "citas priedes", "other pines", "Pinus spp.", True),
        Species(15, "citas egles", "other spruces", "Picea spp.", True),
        Species(16, "gobas, vīksnas", "elms", "Ulmus spp.", False),
        Species(19, "papele", "poplar", "Populus spp.", False),
        Species(20, "vītols", "willow", "Salix spp.", False),
        Species(21, "blīgzna", "goat willow", "Salix caprea", False),
        Species(24, "kļava", "Norway maple", "Acer platanoides", False),
        Species(68, "hibrīdā apse", "hybrid aspen", "Populus tremula × tremuloides", False),
    )
}


def species(code: int) -> Species:
    """The species with this code; KeyError names the code when it is not in the register."""
    try:
        return SPECIES[code]
    except KeyError:
        raise KeyError(f"species code {code} is not a Forest State Register species code") from None
