#include "daemon/export/exposition.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace slamon::exporter {
namespace {

void Put(std::string& out, absl::string_view text) { out.append(text.data(), text.size()); }

// Label values are anyone's text (queue names come from collectors), but
// nearly never hold what the format escapes. (A plain loop: absl's
// find_first_of builds a table per call, 9 % of a scrape's profile.)
bool NeedsEscaping(absl::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"' || c == '\n') return true;
  }
  return false;
}

void AppendEscaped(absl::string_view value, std::string& out) {
  if (!NeedsEscaping(value)) {
    Put(out, value);
    return;
  }
  for (const char c : value) {
    switch (c) {
      case '\\': Put(out, "\\\\"); break;
      case '"': Put(out, "\\\""); break;
      case '\n': Put(out, "\\n"); break;
      default: Put(out, absl::string_view(&c, 1));
    }
  }
}

constexpr size_t kNumberRoom = 32;  // the longest double or int64 to_chars writes is 24

template <typename T>
char* WriteNumber(T value, char* at) {
  const std::to_chars_result r = std::to_chars(at, at + kNumberRoom, value);
  SLAMON_CHECK(r.ec == std::errc());
  return r.ptr;
}

char* WriteValue(double value, char* at) {
  auto write = [at](absl::string_view text) {
    std::memcpy(at, text.data(), text.size());
    return at + text.size();
  };
  // Integers first: most values are counts. (NaN fails the comparison,
  // infinities the bound.)
  if (value == std::trunc(value) && std::fabs(value) < 0x1p53) {
    return WriteNumber(static_cast<int64_t>(value), at);  // exact below 2^53
  }
  if (std::isnan(value)) return write("NaN");
  if (std::isinf(value)) return write(value > 0 ? "+Inf" : "-Inf");
  return WriteNumber(value, at);
}

// Copies `n` bytes, sizeof(Word) <= n <= 2 * sizeof(Word), as two
// overlapping moves of a Word.
template <typename Word>
void CopyOverlapping(const char* from, size_t n, char* at) {
  Word head, tail;
  std::memcpy(&head, from, sizeof(Word));
  std::memcpy(&tail, from + n - sizeof(Word), sizeof(Word));
  std::memcpy(at, &head, sizeof(Word));
  std::memcpy(at + n - sizeof(Word), &tail, sizeof(Word));
}
struct Bytes16 {
  char bytes[16];
};

// Copies a piece of a line. Most names and label sets are short, for which
// a call to memcpy per piece cost more than the copy (17 % of a render's
// instructions): overlapping loads and stores instead.
inline char* Write(absl::string_view piece, char* at) {
  const char* from = piece.data();
  const size_t n = piece.size();
  if (n > 32) {
    std::memcpy(at, from, n);  // longer pieces: memcpy's call is paid back
  } else if (n >= 16) {
    CopyOverlapping<Bytes16>(from, n, at);
  } else if (n >= 8) {
    CopyOverlapping<uint64_t>(from, n, at);
  } else if (n >= 4) {
    CopyOverlapping<uint32_t>(from, n, at);
  } else if (n > 0) {
    at[0] = from[0];
    at[n / 2] = from[n / 2];
    at[n - 1] = from[n - 1];
  }
  return at + n;
}

// The most `start{labels,more} ` can take.
size_t SeriesStartRoom(absl::string_view start, absl::string_view labels, absl::string_view more) {
  return start.size() + labels.size() + more.size() + 3;
}

// `labels,more`, either of which may be empty.
char* WriteLabelSets(absl::string_view labels, absl::string_view more, char* at) {
  at = Write(labels, at);
  if (!labels.empty() && !more.empty()) *at++ = ',';
  return Write(more, at);
}

// `start{labels,more} `: a line up to its value. `start` ends with `{`,
// dropped when there are no labels at all.
char* WriteSeriesStart(absl::string_view start, absl::string_view labels, absl::string_view more, char* at) {
  if (labels.empty() && more.empty()) {
    at = Write(start.substr(0, start.size() - 1), at);
    *at++ = ' ';
    return at;
  }
  at = Write(start, at);
  at = WriteLabelSets(labels, more, at);
  *at++ = '}';
  *at++ = ' ';
  return at;
}

// A whole line: `start{labels,more} value\n`.
template <typename Number>
void AppendLine(absl::string_view start, absl::string_view labels, absl::string_view more, Number value,
                TextBuffer& out) {
  char* const begin = out.Extend(SeriesStartRoom(start, labels, more) + kNumberRoom + 1);
  char* at = WriteSeriesStart(start, labels, more, begin);
  if constexpr (std::is_same_v<Number, double>) {
    at = WriteValue(value, at);
  } else {
    at = WriteNumber(value, at);
  }
  *at++ = '\n';
  out.TrimTo(at);
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kSummary: return "summary";
  }
  SLAMON_CHECK(false);
  return "";
}

}  // namespace

void TextBuffer::Reserve(size_t capacity) {
  if (capacity <= capacity_) return;
  std::unique_ptr<char[]> data = std::make_unique_for_overwrite<char[]>(capacity);
  if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
  data_ = std::move(data);
  capacity_ = capacity;
}

void TextBuffer::Grow(size_t n) { Reserve(std::max({2 * capacity_, size_ + n, size_t{4096}})); }

Labels Labels::With(absl::string_view name, absl::string_view value) const {
  Labels with;
  with.text_.reserve(text_.size() + name.size() + value.size() + 4);
  with.Assign(*this, name, value);
  return with;
}

Labels& Labels::Append(absl::string_view name, absl::string_view value) {
  if (!text_.empty()) text_ += ',';
  Put(text_, name);
  text_ += "=\"";
  AppendEscaped(value, text_);
  text_ += '"';
  return *this;
}

void AppendValue(double value, TextBuffer& out) {
  out.TrimTo(WriteValue(value, out.Extend(kNumberRoom)));
}

FamilyId Exposition::Declare(const char* name, const char* help, MetricType type) {
  const auto [it, added] = by_name_.try_emplace(name, static_cast<FamilyId>(families_.size()));
  if (!added) {
    SLAMON_CHECK(At(it->second).type == type);  // one name, one type: a rendering bug otherwise
    return it->second;
  }
  Family& family = families_.emplace_back();
  family.type = type;
  const std::string n(name);
  family.value_start = n + "{";
  family.bucket_start = n + "_bucket{";
  family.sum_start = n + "_sum{";
  family.count_start = n + "_count{";
  TextBuffer& text = family.text;
  if (families_.size() <= recycled_.size()) {
    text = std::move(recycled_[families_.size() - 1]);
    text.Clear();  // keeps its memory
  } else {
    text.Reserve(series_hint_ * 64);
  }
  // Help texts are ours: constants without backslashes or newlines.
  for (const absl::string_view piece : {"# HELP ", name, " ", help, "\n# TYPE ", name, " ", TypeName(type), "\n"}) {
    text.Append(piece);
  }
  return it->second;
}

void Exposition::AddValue(FamilyId id, absl::string_view labels, absl::string_view more, double value) {
  Family& family = At(id);
  SLAMON_CHECK(family.type == MetricType::kCounter || family.type == MetricType::kGauge);
  ++family.series;
  ++series_;
  AppendLine(family.value_start, labels, more, value, family.text);
}

void Exposition::AddHistogram(FamilyId id, const Labels& labels, const Labels& more, const engine::Histogram& h,
                              const std::vector<double>& bounds) {
  if (h.count == 0) return;
  Family& family = At(id);
  SLAMON_CHECK(family.type == MetricType::kHistogram);
  SLAMON_CHECK(h.counts.empty() || h.counts.size() == bounds.size() + 1);  // observed under these bounds
  ++family.series;
  ++series_;
  if (family.bounds != &bounds) {
    family.bounds = &bounds;
    family.bucket_ends.clear();
    for (const double bound : bounds) {
      TextBuffer text;
      AppendValue(bound, text);
      family.bucket_ends.push_back(absl::StrCat(text.view(), "\"} "));
    }
    family.bucket_ends.emplace_back("+Inf\"} ");
  }
  // Bucket lines differ only in their bound and count: their common start
  // is made once per series.
  // `name_bucket{labels,more,le="`: buckets always have a label, le.
  bucket_prefix_.resize(SeriesStartRoom(family.bucket_start, labels.text(), more.text()) + 4);
  char* const prefix = bucket_prefix_.data();
  char* at = Write(family.bucket_start, prefix);
  at = WriteLabelSets(labels.text(), more.text(), at);
  if (!labels.text().empty() || !more.text().empty()) *at++ = ',';
  at = Write("le=\"", at);
  const absl::string_view start(prefix, static_cast<size_t>(at - prefix));
  TextBuffer& out = family.text;
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative = i == bounds.size() ? h.count : cumulative + (h.counts.empty() ? 0 : h.counts[i]);
    const absl::string_view end = family.bucket_ends[i];
    char* line = out.Extend(start.size() + end.size() + kNumberRoom + 1);
    line = Write(start, line);
    line = Write(end, line);
    line = WriteNumber(cumulative, line);
    *line++ = '\n';
    out.TrimTo(line);
  }
  AppendLine(family.sum_start, labels.text(), more.text(), h.sum, out);
  AppendLine(family.count_start, labels.text(), more.text(), h.count, out);
}

void Exposition::AddSummary(FamilyId id, const Labels& labels, uint64_t count, double sum) {
  Family& family = At(id);
  SLAMON_CHECK(family.type == MetricType::kSummary);
  ++family.series;
  ++series_;
  AppendLine(family.sum_start, labels.text(), {}, sum, family.text);
  AppendLine(family.count_start, labels.text(), {}, count, family.text);
}

void Exposition::AppendFamilies(absl::string_view text) { appended_.emplace_back(text); }

Page Exposition::TakePage() && {
  Page page;
  page.reserve(families_.size() + appended_.size());
  for (Family& f : families_) {
    if (f.series == 0) f.text.Clear();  // declared, never used: kept for its memory
    page.push_back(std::move(f.text));
  }
  for (TextBuffer& text : appended_) page.push_back(std::move(text));
  return page;
}

std::string Exposition::Text() && {
  std::string text;
  for (const TextBuffer& family : std::move(*this).TakePage()) Put(text, family.view());
  return text;
}

}  // namespace slamon::exporter
