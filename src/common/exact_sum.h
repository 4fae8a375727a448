#pragma once

namespace spark {

//! A running sum kept as an unevaluated pair (hi + lo) with error-free transformations
//! (Knuth's TwoSum): lo_ collects exactly what each addition to hi_ rounded away, so adding and
//! later subtracting the same values leaves no residue beyond the rounding of those tiny errors,
//! far below one ulp of the sum.
//! A plain rolling `sum += x; sum -= old` drifts: after thousands of bars two averages that are
//! mathematically equal differ in the last bits and fabricate crossovers. With this sum a window's
//! total rounds to the same double as summing the window afresh (math.fsum), which is what an
//! independent implementation computes.
class ExactSum {
  public:
    void Add(double x) {
        // TwoSum: `error` is exactly what the rounding of hi_ + x lost. Only `hi_ + x` is on the
        // dependency chain from one call to the next, so this costs little more than a plain sum.
        const double s = hi_ + x;
        const double b = s - hi_;
        const double error = (hi_ - (s - b)) + (x - b);
        hi_ = s;
        lo_ += error;
    }
    double Value() const { return hi_ + lo_; }
    void Reset() { hi_ = lo_ = 0; }

  private:
    double hi_ = 0;
    double lo_ = 0;
};

}  // namespace spark
