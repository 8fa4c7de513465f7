#include "daemon/export/exposition.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/check.h"

namespace slamon::exporter {
namespace {

void Put(std::string& out, absl::string_view text) { out.append(text.data(), text.size()); }
void Put(TextBuffer& out, absl::string_view text) { out.Append(text); }

// Label values are anyone's text (queue names come from collectors), but
// nearly never hold what the format escapes. (A plain loop: absl's
// find_first_of builds a table per call, 9 % of a scrape's profile.)
bool NeedsEscaping(absl::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"' || c == '\n') return true;
  }
  return false;
}

template <typename Out>
void AppendEscaped(absl::string_view value, Out& out) {
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
void AppendNumber(T value, TextBuffer& out) {
  char* at = out.Extend(kNumberRoom);
  const std::to_chars_result r = std::to_chars(at, at + kNumberRoom, value);
  SLAMON_CHECK(r.ec == std::errc());
  out.Trim(kNumberRoom - static_cast<size_t>(r.ptr - at));
}

// `name_suffix{labels[,label="value"]} `: the part of a line before its value.
void AppendSeries(absl::string_view name, absl::string_view suffix, const Labels& labels, absl::string_view label,
                  absl::string_view label_value, TextBuffer& out) {
  const absl::string_view set = labels.text();
  out.Append(name);
  out.Append(suffix);
  if (set.empty() && label.empty()) {
    out.Append(' ');
    return;
  }
  out.Append('{');
  out.Append(set);
  if (!label.empty()) {
    if (!set.empty()) out.Append(',');
    out.Append(label);
    out.Append("=\"");
    AppendEscaped(label_value, out);
    out.Append('"');
  }
  out.Append("} ");
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

void Labels::Assign(const Labels& base, absl::string_view name, absl::string_view value) {
  text_ = base.text_;
  if (!text_.empty()) text_ += ',';
  Put(text_, name);
  text_ += "=\"";
  AppendEscaped(value, text_);
  text_ += '"';
}

void AppendValue(double value, TextBuffer& out) {
  if (std::isnan(value)) {
    out.Append("NaN");
  } else if (std::isinf(value)) {
    out.Append(value > 0 ? "+Inf" : "-Inf");
  } else if (value == std::trunc(value) && std::fabs(value) < 0x1p53) {
    AppendNumber(static_cast<int64_t>(value), out);  // exact below 2^53
  } else {
    AppendNumber(value, out);
  }
}

Exposition::Family& Exposition::Series(const char* name, const char* help, MetricType type) {
  ++series_;
  if (const auto it = by_address_.find(name); it != by_address_.end()) {
    Family& family = families_[it->second];
    SLAMON_CHECK(family.type == type);  // one name, one type: a rendering bug otherwise
    return family;
  }
  auto [it, added] = by_name_.try_emplace(name, families_.size());
  by_address_.emplace(name, it->second);
  if (added) {
    TextBuffer text;
    if (families_.size() < recycled_.size()) {
      text = std::move(recycled_[families_.size()]);
      text.Clear();  // keeps its memory
    } else {
      text.Reserve(series_hint_ * 64);
    }
    // Help texts are ours: constants without backslashes or newlines.
    for (const absl::string_view piece : {"# HELP ", name, " ", help, "\n# TYPE ", name, " ", TypeName(type), "\n"}) {
      text.Append(piece);
    }
    families_.push_back({name, type, std::move(text)});
  }
  Family& family = families_[it->second];
  SLAMON_CHECK(family.type == type);
  return family;
}

void Exposition::Add(const char* name, const char* help, MetricType type, const Labels& labels,
                     absl::string_view label, absl::string_view label_value, double value) {
  Family& family = Series(name, help, type);
  AppendSeries(family.name, "", labels, label, label_value, family.text);
  AppendValue(value, family.text);
  family.text.Append('\n');
}

void Exposition::AddHistogram(const char* name, const char* help, const Labels& labels, const engine::Histogram& h,
                              const std::vector<double>& bounds) {
  if (h.count == 0) return;
  Family& family = Series(name, help, MetricType::kHistogram);
  TextBuffer& out = family.text;
  // Bucket lines differ only in their bound and count: their common start
  // is written once, the bounds once per render.
  auto [cached, added] = bucket_bounds_.try_emplace(&bounds);
  if (added) {
    for (const double bound : bounds) {
      TextBuffer text;
      AppendValue(bound, text);
      cached->second.emplace_back(text.view());
    }
    cached->second.emplace_back("+Inf");
  }
  bucket_prefix_.Clear();
  AppendSeries(family.name, "_bucket", labels, "le", "", bucket_prefix_);
  bucket_prefix_.Trim(3);  // up to `le="`
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative = i == bounds.size() ? h.count : cumulative + (h.counts.empty() ? 0 : h.counts[i]);
    out.Append(bucket_prefix_.view());
    out.Append(cached->second[i]);
    out.Append("\"} ");
    AppendNumber(cumulative, out);
    out.Append('\n');
  }
  AppendSeries(family.name, "_sum", labels, {}, {}, out);
  AppendValue(h.sum, out);
  out.Append('\n');
  AppendSeries(family.name, "_count", labels, {}, {}, out);
  AppendNumber(h.count, out);
  out.Append('\n');
}

void Exposition::AddSummary(const char* name, const char* help, const Labels& labels, uint64_t count, double sum) {
  Family& family = Series(name, help, MetricType::kSummary);
  AppendSeries(family.name, "_sum", labels, {}, {}, family.text);
  AppendValue(sum, family.text);
  family.text.Append('\n');
  AppendSeries(family.name, "_count", labels, {}, {}, family.text);
  AppendNumber(count, family.text);
  family.text.Append('\n');
}

void Exposition::AppendFamilies(absl::string_view text) { appended_.emplace_back(text); }

Page Exposition::TakePage() && {
  Page page;
  page.reserve(families_.size() + appended_.size());
  for (Family& f : families_) page.push_back(std::move(f.text));
  for (TextBuffer& text : appended_) page.push_back(std::move(text));
  return page;
}

std::string Exposition::Text() && {
  std::string text;
  for (const TextBuffer& family : std::move(*this).TakePage()) Put(text, family.view());
  return text;
}

}  // namespace slamon::exporter
