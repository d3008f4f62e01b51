/**
 * Adaptive Gauss–Kronrod (G7/K15) quadrature, the rule family QUADPACK's QAGS starts from.
 * Exact for polynomials up to degree 22 on each panel, so LMS's Lagrange integrals converge at once.
 */

const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0.0,
];
const WGK = [
  0.022935322010529224963732008058970, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
];
const WG = [0.129484966168869693270611432679082, 0.279705391489276667901467771423780, 0.381830050505118944950369775488975, 0.417959183673469387755102040816327];

function kronrod(f: (x: number) => number, a: number, b: number): { value: number; error: number } {
  const center = (a + b) / 2;
  const half = (b - a) / 2;
  const fc = f(center);
  let resK = fc * WGK[7];
  let resG = fc * WG[3];
  for (let j = 0; j < 7; j++) {
    const dx = half * XGK[j];
    const sum = f(center - dx) + f(center + dx);
    resK += WGK[j] * sum;
    if (j % 2 === 1) resG += WG[(j - 1) / 2] * sum;
  }
  return { value: resK * half, error: Math.abs((resK - resG) * half) };
}

/** Integral of f over [a, b] (a > b allowed) to relative tolerance `epsRel`. */
export function integrate(f: (x: number) => number, a: number, b: number, epsRel = 1e-10, maxDepth = 30): number {
  if (a === b) return 0;
  const recurse = (lo: number, hi: number, whole: { value: number; error: number }, depth: number): number => {
    if (whole.error <= Math.max(epsRel * Math.abs(whole.value), 1e-300) || depth >= maxDepth) return whole.value;
    const mid = (lo + hi) / 2;
    return recurse(lo, mid, kronrod(f, lo, mid), depth + 1) + recurse(mid, hi, kronrod(f, mid, hi), depth + 1);
  };
  return recurse(a, b, kronrod(f, a, b), 0);
}
