#include "daemon/export/exposition.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace slamon::exporter {
namespace {

// Label values are anyone's text (queue names come from collectors).
void AppendEscaped(absl::string_view value, std::string& out) {
  if (value.find_first_of("\\\"\n") == absl::string_view::npos) {  // nearly always
    out.append(value.data(), value.size());
    return;
  }
  for (const char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

template <typename T>
absl::string_view Format(T value, char (&buffer)[32]) {
  const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, value);
  SLAMON_CHECK(r.ec == std::errc());
  return absl::string_view(buffer, r.ptr - buffer);
}

absl::string_view FormatValue(double value, char (&buffer)[32]) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::trunc(value) && std::fabs(value) < 0x1p53) {
    return Format(static_cast<int64_t>(value), buffer);  // exact below 2^53
  }
  return Format(value, buffer);
}

void Append(absl::string_view text, std::string& out) { out.append(text.data(), text.size()); }

// `name_suffix{labels[,label="value"]} `: the part of a line before its value.
void AppendSeries(const char* name, absl::string_view suffix, const Labels& labels, absl::string_view label,
                  absl::string_view label_value, std::string& out) {
  out += name;
  Append(suffix, out);
  if (labels.text().empty() && label.empty()) {
    out += ' ';
    return;
  }
  out += '{';
  out += labels.text();
  if (!label.empty()) {
    if (!labels.text().empty()) out += ',';
    Append(label, out);
    out += "=\"";
    AppendEscaped(label_value, out);
    out += '"';
  }
  out += "} ";
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

Labels Labels::With(absl::string_view name, absl::string_view value) const {
  Labels with;
  with.text_.reserve(text_.size() + name.size() + value.size() + 4);
  with.text_ = text_;
  if (!with.text_.empty()) with.text_ += ',';
  with.text_.append(name.data(), name.size());
  with.text_ += "=\"";
  AppendEscaped(value, with.text_);
  with.text_ += '"';
  return with;
}

void AppendValue(double value, std::string& out) {
  char buffer[32];
  Append(FormatValue(value, buffer), out);
}

std::string& Exposition::Series(const char* name, const char* help, MetricType type) {
  ++series_;
  if (const auto it = by_address_.find(name); it != by_address_.end()) {
    Family& family = families_[it->second];
    SLAMON_CHECK(family.type == type);  // one name, one type: a rendering bug otherwise
    return family.text;
  }
  auto [it, added] = by_name_.try_emplace(name, families_.size());
  by_address_.emplace(name, it->second);
  if (added) {
    std::string text;
    if (families_.size() < recycled_.size()) {
      text = std::move(recycled_[families_.size()]);
      text.clear();  // keeps its capacity
    } else {
      text.reserve(series_hint_ * 64);
    }
    // Help texts are ours: constants without backslashes or newlines.
    absl::StrAppend(&text, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", TypeName(type), "\n");
    families_.push_back({type, std::move(text)});
  }
  Family& family = families_[it->second];
  SLAMON_CHECK(family.type == type);
  return family.text;
}

void Exposition::Add(const char* name, const char* help, MetricType type, const Labels& labels,
                     absl::string_view label, absl::string_view label_value, double value) {
  std::string& out = Series(name, help, type);
  AppendSeries(name, "", labels, label, label_value, out);
  AppendValue(value, out);
  out += '\n';
}

void Exposition::AddHistogram(const char* name, const char* help, const Labels& labels, const engine::Histogram& h,
                              const std::vector<double>& bounds) {
  if (h.count == 0) return;
  std::string& out = Series(name, help, MetricType::kHistogram);
  char buffer[32];
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    const bool last = i == bounds.size();
    cumulative = last ? h.count : cumulative + (h.counts.empty() ? 0 : h.counts[i]);
    AppendSeries(name, "_bucket", labels, "le",
                 FormatValue(last ? std::numeric_limits<double>::infinity() : bounds[i], buffer), out);
    Append(Format(cumulative, buffer), out);
    out += '\n';
  }
  AppendSeries(name, "_sum", labels, {}, {}, out);
  AppendValue(h.sum, out);
  out += '\n';
  AppendSeries(name, "_count", labels, {}, {}, out);
  Append(Format(h.count, buffer), out);
  out += '\n';
}

void Exposition::AddSummary(const char* name, const char* help, const Labels& labels, uint64_t count, double sum) {
  std::string& out = Series(name, help, MetricType::kSummary);
  char buffer[32];
  AppendSeries(name, "_sum", labels, {}, {}, out);
  AppendValue(sum, out);
  out += '\n';
  AppendSeries(name, "_count", labels, {}, {}, out);
  Append(Format(count, buffer), out);
  out += '\n';
}

void Exposition::AppendFamilies(std::string text) { appended_.push_back(std::move(text)); }

std::vector<std::string> Exposition::TakeFamilies() && {
  std::vector<std::string> page;
  page.reserve(families_.size() + appended_.size());
  for (Family& f : families_) page.push_back(std::move(f.text));
  for (std::string& text : appended_) page.push_back(std::move(text));
  return page;
}

std::string Exposition::Text() && {
  std::string text;
  for (const std::string& family : std::move(*this).TakeFamilies()) text += family;
  return text;
}

}  // namespace slamon::exporter
