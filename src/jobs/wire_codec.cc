#include "jobs/wire_codec.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <cstring>

namespace spark::jobs {
namespace {

constexpr uint32_t kTrialsMagic = 0x53505431;  // "SPT1"
constexpr uint32_t kSeriesMagic = 0x53505331;  // "SPS1"

// Fields of analysis::Metrics in wire order; a change here is a new magic.
constexpr size_t kTrialDoubles = 18;
constexpr size_t kTrialBytes = 1 + 1 + 1 + kTrialDoubles * 8 + 8 + 8;

class Writer {
  public:
    explicit Writer(std::string& out) : out_(out) {}
    template <typename T>
    void Put(T value) {
        char bytes[sizeof(T)];
        std::memcpy(bytes, &value, sizeof(T));
        out_.append(bytes, sizeof(T));
    }

  private:
    std::string& out_;
};

class Reader {
  public:
    explicit Reader(std::string_view in) : in_(in) {}
    template <typename T>
    bool Get(T& value) {
        if (in_.size() < sizeof(T)) return false;
        std::memcpy(&value, in_.data(), sizeof(T));
        in_.remove_prefix(sizeof(T));
        return true;
    }
    size_t Left() const { return in_.size(); }
    std::string_view Rest() const { return in_; }

  private:
    std::string_view in_;
};

std::unexpected<Error> Corrupt(std::string_view what) {
    return MakeError(ErrorCode::kInternal, fmt::format("a {} blob from the job queue is malformed", what));
}

}  // namespace

std::string EncodeTrials(std::span<const research::Trial> trials) {
    std::string out;
    out.reserve(12 + trials.size() * kTrialBytes);
    Writer w(out);
    w.Put(kTrialsMagic);
    w.Put(static_cast<uint64_t>(trials.size()));
    for (const research::Trial& t : trials) {
        const analysis::Metrics& m = t.metrics;
        w.Put(static_cast<uint8_t>(t.evaluated));
        w.Put(static_cast<uint8_t>(t.sharpe_per_bar.has_value()));
        w.Put(static_cast<uint8_t>(m.profit_factor.has_value()));
        for (double v :
             {m.total_return, m.final_equity, m.cagr, m.sharpe, m.sortino, m.calmar, m.volatility, m.max_drawdown,
              m.win_rate, m.profit_factor.value_or(0), m.avg_trade_return, m.best_trade, m.worst_trade, m.exposure,
              m.total_fees, m.total_funding, m.buy_and_hold_return, t.sharpe_per_bar.value_or(0)}) {
            w.Put(v);
        }
        w.Put(m.max_drawdown_duration_bars);
        w.Put(m.num_trades);
    }
    return out;
}

Result<std::vector<research::Trial>> DecodeTrials(std::string_view blob) {
    Reader r(blob);
    uint32_t magic = 0;
    uint64_t count = 0;
    if (!r.Get(magic) || magic != kTrialsMagic || !r.Get(count) || count > r.Left() / kTrialBytes ||
        r.Left() != count * kTrialBytes) {
        return Corrupt("trials");
    }
    std::vector<research::Trial> trials(count);
    for (research::Trial& t : trials) {
        uint8_t evaluated = 0, has_sharpe = 0, has_pf = 0;
        r.Get(evaluated);
        r.Get(has_sharpe);
        r.Get(has_pf);
        double v[kTrialDoubles];
        for (double& d : v) r.Get(d);
        analysis::Metrics& m = t.metrics;
        m.total_return = v[0];
        m.final_equity = v[1];
        m.cagr = v[2];
        m.sharpe = v[3];
        m.sortino = v[4];
        m.calmar = v[5];
        m.volatility = v[6];
        m.max_drawdown = v[7];
        m.win_rate = v[8];
        if (has_pf) m.profit_factor = v[9];
        m.avg_trade_return = v[10];
        m.best_trade = v[11];
        m.worst_trade = v[12];
        m.exposure = v[13];
        m.total_fees = v[14];
        m.total_funding = v[15];
        m.buy_and_hold_return = v[16];
        if (has_sharpe) t.sharpe_per_bar = v[17];
        t.evaluated = evaluated != 0;
        r.Get(m.max_drawdown_duration_bars);
        r.Get(m.num_trades);
    }
    return trials;
}

std::string EncodeSeries(std::span<const Candle> bars) {
    const uLong raw_size = static_cast<uLong>(bars.size_bytes());
    uLongf packed_size = compressBound(raw_size);
    std::string out;
    Writer w(out);
    w.Put(kSeriesMagic);
    w.Put(static_cast<uint64_t>(bars.size()));
    const size_t header = out.size();
    out.resize(header + packed_size);
    compress2(reinterpret_cast<Bytef*>(out.data() + header), &packed_size, reinterpret_cast<const Bytef*>(bars.data()),
              raw_size, Z_BEST_SPEED);
    out.resize(header + packed_size);
    return out;
}

Result<std::vector<Candle>> DecodeSeries(std::string_view blob) {
    Reader r(blob);
    uint32_t magic = 0;
    uint64_t count = 0;
    // zlib expands at most ~1032:1: a count beyond that is a lie, refused before allocating for it.
    constexpr uint64_t kMaxDeflateRatio = 1032;
    if (!r.Get(magic) || magic != kSeriesMagic || !r.Get(count) ||
        count > (r.Left() + 64) * kMaxDeflateRatio / sizeof(Candle)) {
        return Corrupt("series");
    }
    std::vector<Candle> bars(count);
    uLongf size = static_cast<uLongf>(count * sizeof(Candle));
    const std::string_view packed = r.Rest();
    if (uncompress(reinterpret_cast<Bytef*>(bars.data()), &size, reinterpret_cast<const Bytef*>(packed.data()),
                   static_cast<uLong>(packed.size())) != Z_OK ||
        size != count * sizeof(Candle)) {
        return Corrupt("series");
    }
    return bars;
}

std::string Sha256Hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

}  // namespace spark::jobs
