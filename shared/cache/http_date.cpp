#include "shared/cache/http_date.h"

#include <cstdio>
#include <ctime>

namespace fleet::cache {
namespace {

const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
const char* const kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

// A cursor over the text that only ever matches exactly.
class Cursor {
 public:
  explicit Cursor(std::string_view t) : t_(t) {}
  bool lit(std::string_view s) {
    if (t_.substr(pos_, s.size()) != s) {
      return false;
    }
    pos_ += s.size();
    return true;
  }
  bool digits(int n, int* out) {
    int v = 0;
    for (int i = 0; i < n; ++i) {
      size_t at = pos_ + static_cast<size_t>(i);
      if (at >= t_.size() || t_[at] < '0' || t_[at] > '9') {
        return false;
      }
      v = v * 10 + (t_[at] - '0');
    }
    pos_ += static_cast<size_t>(n);
    *out = v;
    return true;
  }
  template <size_t N>
  bool oneOf(const char* const (&names)[N], int* index) {
    for (size_t i = 0; i < N; ++i) {
      if (lit(names[i])) {
        *index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool time(int* h, int* m, int* s) {
    return digits(2, h) && lit(":") && digits(2, m) && lit(":") && digits(2, s);
  }
  bool atEnd() const { return pos_ == t_.size(); }

 private:
  std::string_view t_;
  size_t pos_ = 0;
};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::optional<int64_t> toUnix(int year, int mon, int day, int h, int mi, int s) {
  static const int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int dim = kDaysIn[mon] + (mon == 1 && leap(year) ? 1 : 0);
  if (day < 1 || day > dim || h > 23 || mi > 59 || s > 60 || year < 1900 || year > 9999) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  int64_t t = static_cast<int64_t>(timegm(&tm));
  // A leap second at the very end of 9999 would be the year 10000.
  return t <= 253402300799 ? std::optional<int64_t>(t) : std::nullopt;
}

}  // namespace

std::optional<int64_t> parseHttpDate(std::string_view text, int64_t now) {
  int wd = 0, day = 0, mon = 0, year = 0, h = 0, mi = 0, s = 0;
  {  // IMF-fixdate: day-name "," SP 2DIGIT SP month SP 4DIGIT SP hh:mm:ss SP "GMT"
    Cursor c(text);
    if (c.oneOf(kDays, &wd) && c.lit(", ") && c.digits(2, &day) && c.lit(" ") &&
        c.oneOf(kMonths, &mon) && c.lit(" ") && c.digits(4, &year) && c.lit(" ") &&
        c.time(&h, &mi, &s) && c.lit(" GMT") && c.atEnd()) {
      return toUnix(year, mon, day, h, mi, s);
    }
  }
  {  // RFC 850: day-name-l "," SP 2DIGIT "-" month "-" 2DIGIT SP hh:mm:ss SP "GMT"
    Cursor c(text);
    if (c.oneOf(kLongDays, &wd) && c.lit(", ") && c.digits(2, &day) && c.lit("-") &&
        c.oneOf(kMonths, &mon) && c.lit("-") && c.digits(2, &year) && c.lit(" ") &&
        c.time(&h, &mi, &s) && c.lit(" GMT") && c.atEnd()) {
      std::time_t t = static_cast<std::time_t>(now);
      std::tm gm{};
      if (gmtime_r(&t, &gm) == nullptr) {
        return std::nullopt;  // no year to read it against
      }
      int thisYear = gm.tm_year + 1900;
      year += thisYear / 100 * 100;
      if (year > thisYear + 50) {
        year -= 100;  // RFC 9110: more than 50 years ahead is the past
      }
      return toUnix(year, mon, day, h, mi, s);
    }
  }
  {  // asctime: day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP hh:mm:ss SP 4DIGIT
    Cursor c(text);
    if (c.oneOf(kDays, &wd) && c.lit(" ") && c.oneOf(kMonths, &mon) && c.lit(" ") &&
        (c.digits(2, &day) || (c.lit(" ") && c.digits(1, &day))) && c.lit(" ") &&
        c.time(&h, &mi, &s) && c.lit(" ") && c.digits(4, &year) && c.atEnd()) {
      return toUnix(year, mon, day, h, mi, s);
    }
  }
  return std::nullopt;
}

std::string formatHttpDate(int64_t unixSeconds) {
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm gm{};
  gmtime_r(&t, &gm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[gm.tm_wday],
                gm.tm_mday, kMonths[gm.tm_mon], gm.tm_year + 1900, gm.tm_hour, gm.tm_min,
                gm.tm_sec);
  return buf;
}

}  // namespace fleet::cache
