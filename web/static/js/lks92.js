// LKS-92 / Latvia TM (EPSG:3059) from WGS84 / GRS80 latitude and longitude: the Transverse
// Mercator forward series (Snyder, "Map Projections — A Working Manual", 1987, pp. 61–63).
const A = 6378137.0;
const F = 1 / 298.257222101;
const K0 = 0.9996;
const LON0 = 24.0;
const FALSE_EASTING = 500000.0;
const FALSE_NORTHING = -6000000.0;
const E2 = F * (2 - F);
const EP2 = E2 / (1 - E2);
const RAD = Math.PI / 180;

function meridianArc(phi) {
  const e4 = E2 * E2;
  const e6 = e4 * E2;
  return A * ((1 - E2 / 4 - (3 * e4) / 64 - (5 * e6) / 256) * phi
    - ((3 * E2) / 8 + (3 * e4) / 32 + (45 * e6) / 1024) * Math.sin(2 * phi)
    + ((15 * e4) / 256 + (45 * e6) / 1024) * Math.sin(4 * phi)
    - ((35 * e6) / 3072) * Math.sin(6 * phi));
}

/** [easting, northing] in metres for a WGS84 latitude and longitude in degrees. */
export function toLks92(lat, lon) {
  const phi = lat * RAD;
  const sin = Math.sin(phi);
  const cos = Math.cos(phi);
  const tan = Math.tan(phi);
  const n = A / Math.sqrt(1 - E2 * sin * sin);
  const t = tan * tan;
  const c = EP2 * cos * cos;
  const a = (lon - LON0) * RAD * cos;
  const easting = FALSE_EASTING + K0 * n * (a + ((1 - t + c) * a ** 3) / 6
    + ((5 - 18 * t + t * t + 72 * c - 58 * EP2) * a ** 5) / 120);
  const northing = FALSE_NORTHING + K0 * (meridianArc(phi) + n * tan * ((a * a) / 2
    + ((5 - t + 9 * c + 4 * c * c) * a ** 4) / 24
    + ((61 - 58 * t + t * t + 600 * c - 330 * EP2) * a ** 6) / 720));
  return [easting, northing];
}

/** Planar area in hectares of a ring list [[ [lat, lon], … ], hole, …] in LKS-92, as PostGIS computes it. */
export function polygonAreaHa(rings) {
  let total = 0;
  rings.forEach((ring, index) => {
    const xy = ring.map(([lat, lon]) => toLks92(lat, lon));
    let twice = 0;
    for (let i = 0; i < xy.length; i += 1) {
      const [x1, y1] = xy[i];
      const [x2, y2] = xy[(i + 1) % xy.length];
      twice += x1 * y2 - x2 * y1;
    }
    total += (index === 0 ? 1 : -1) * Math.abs(twice / 2);
  });
  return total / 10000;
}
