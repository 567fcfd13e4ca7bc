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

/** WGS84 [latitude, longitude] in degrees of an LKS-92 easting and northing in metres: the
 * inverse series (Snyder 1987, pp. 63–64), well under a millimetre inside Latvia. */
export function fromLks92(easting, northing) {
  const e1 = (1 - Math.sqrt(1 - E2)) / (1 + Math.sqrt(1 - E2));
  const m = (northing - FALSE_NORTHING) / K0;
  const mu = m / (A * (1 - E2 / 4 - (3 * E2 * E2) / 64 - (5 * E2 ** 3) / 256));
  const phi1 = mu + ((3 * e1) / 2 - (27 * e1 ** 3) / 32) * Math.sin(2 * mu)
    + ((21 * e1 * e1) / 16 - (55 * e1 ** 4) / 32) * Math.sin(4 * mu)
    + ((151 * e1 ** 3) / 96) * Math.sin(6 * mu) + ((1097 * e1 ** 4) / 512) * Math.sin(8 * mu);
  const sin = Math.sin(phi1);
  const cos = Math.cos(phi1);
  const tan = Math.tan(phi1);
  const c1 = EP2 * cos * cos;
  const t1 = tan * tan;
  const n1 = A / Math.sqrt(1 - E2 * sin * sin);
  const r1 = (A * (1 - E2)) / (1 - E2 * sin * sin) ** 1.5;
  const d = (easting - FALSE_EASTING) / (n1 * K0);
  const lat = phi1 - ((n1 * tan) / r1) * ((d * d) / 2
    - ((5 + 3 * t1 + 10 * c1 - 4 * c1 * c1 - 9 * EP2) * d ** 4) / 24
    + ((61 + 90 * t1 + 298 * c1 + 45 * t1 * t1 - 252 * EP2 - 3 * c1 * c1) * d ** 6) / 720);
  const lon = (d - ((1 + 2 * t1 + c1) * d ** 3) / 6
    + ((5 - 2 * c1 + 28 * t1 - 3 * c1 * c1 + 8 * EP2 + 24 * t1 * t1) * d ** 5) / 120) / cos;
  return [lat / RAD, LON0 + lon / RAD];
}
