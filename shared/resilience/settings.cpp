#include "shared/resilience/settings.h"

#include "shared/common/parse.h"

namespace fleet::resilience {
namespace {

common::Status bad(const std::string& word, const std::string& accepted) {
  return common::Status(common::Code::kInvalidArgument,
                        "'" + word + "' is not valid; accepted: " + accepted);
}

bool isOff(const std::vector<std::string>& words) {
  return words.size() == 1 && common::toLower(words[0]) == "off";
}

}  // namespace

bool parseFixedPoint(const std::string& text, int decimals, int64_t* out) {
  int64_t whole = 0, frac = 0;
  int fracDigits = 0;
  bool dot = false, digits = false;
  for (char c : text) {
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') {
      return false;
    }
    digits = true;
    if (dot) {
      if (++fracDigits > decimals) {
        return false;
      }
      frac = frac * 10 + (c - '0');
    } else {
      whole = whole * 10 + (c - '0');
      if (whole > 1000000000) {
        return false;
      }
    }
  }
  if (!digits || (dot && fracDigits == 0)) {
    return false;
  }
  int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) {
    scale *= 10;
  }
  for (int i = fracDigits; i < decimals; ++i) {
    frac *= 10;
  }
  *out = whole * scale + frac;
  return true;
}

common::Result<BudgetConfig> parseBudget(const std::vector<std::string>& words) {
  BudgetConfig b;
  if (words.empty() || words.size() > 2) {
    return common::Status(common::Code::kInvalidArgument,
                          "takes a percent and optionally the retries in flight always allowed");
  }
  common::Result<int64_t> percent = common::parseInteger(words[0], 0, 100);
  if (!percent.isOk()) {
    return bad(words[0], "a percent of the requests in flight from 0 to 100");
  }
  b.percent = static_cast<uint32_t>(percent.value());
  if (words.size() == 2) {
    common::Result<int64_t> floor = common::parseInteger(words[1], 0, 100000);
    if (!floor.isOk()) {
      return bad(words[1], "retries in flight always allowed, from 0 to 100000");
    }
    b.minConcurrent = static_cast<uint32_t>(floor.value());
  }
  return b;
}

common::Result<QueueConfig> parseQueue(const std::vector<std::string>& words) {
  QueueConfig q;
  if (isOff(words)) {
    return q;
  }
  if (words.size() != 2) {
    return common::Status(common::Code::kInvalidArgument,
                          "takes a length and a timeout, e.g. FleetQueue 100 5s, or off");
  }
  common::Result<int64_t> length = common::parseInteger(words[0], 1, kQueueSlots);
  if (!length.isOk()) {
    return bad(words[0], "a queue length from 1 to " + std::to_string(kQueueSlots));
  }
  common::Result<int64_t> timeout = common::parseDurationMicros(words[1]);
  if (!timeout.isOk() || timeout.value() < 1000 || timeout.value() > 3600LL * 1000000) {
    return bad(words[1], "a timeout from 1ms to 1h, such as 5s");
  }
  q.length = static_cast<uint32_t>(length.value());
  q.timeoutMicros = timeout.value();
  return q;
}

common::Result<lb::LatencyOutlier> parseLatencyOutlier(const std::vector<std::string>& words) {
  lb::LatencyOutlier o;
  if (isOff(words)) {
    return o;
  }
  if (words.empty() || words.size() > 2) {
    return common::Status(common::Code::kInvalidArgument,
                          "takes a factor and optionally a probe share in percent, or off");
  }
  int64_t factor = 0;
  if (!parseFixedPoint(words[0], 3, &factor) || factor < 1100 || factor > 100000) {
    return bad(words[0], "a factor over the other members' median latency from 1.1 to 100");
  }
  o.factor = static_cast<double>(factor) / 1000;
  if (words.size() == 2) {
    int64_t ppm = 0;  // percent with 4 decimals = parts per million
    if (!parseFixedPoint(words[1], 4, &ppm) || ppm > 500000) {
      return bad(words[1], "a probe share in percent from 0 to 50, such as 0.05");
    }
    o.probePpm = static_cast<uint32_t>(ppm);
  }
  return o;
}

}  // namespace fleet::resilience
