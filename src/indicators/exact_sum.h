#pragma once

namespace spark::indicators {

//! A running sum kept as an unevaluated pair (hi + lo) with error-free transformations
//! (Knuth's TwoSum), so adding and later subtracting the same values leaves no residue.
//! A plain rolling `sum += x; sum -= old` drifts: after thousands of bars two averages that are
//! mathematically equal differ in the last bits and fabricate crossovers. With this sum a window's
//! total rounds to the same double as summing the window afresh (math.fsum), which is what an
//! independent implementation computes.
class ExactSum {
public:
    void Add(double x) {
        const double s = hi_ + x;
        const double b = s - hi_;
        const double error = (hi_ - (s - b)) + (x - b);
        // Renormalise so that lo_ stays below one ulp of hi_.
        const double t = s + (lo_ + error);
        lo_ = (lo_ + error) - (t - s);
        hi_ = t;
    }
    double Value() const { return hi_ + lo_; }
    void Reset() { hi_ = lo_ = 0; }

private:
    double hi_ = 0;
    double lo_ = 0;
};

}  // namespace spark::indicators
