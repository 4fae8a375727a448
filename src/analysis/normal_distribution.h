#pragma once

namespace spark::analysis {

//! Standard normal cumulative distribution Φ(x), via erfc (accurate in both tails).
double NormalCdf(double x);

//! Its inverse Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley
//! step, accurate to about 1e-15 relative. NaN outside (0, 1).
double NormalQuantile(double p);

}  // namespace spark::analysis
