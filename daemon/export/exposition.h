// Writes the Prometheus text exposition format (version 0.0.4) straight from
// figures. A scrape at 10k queue keys holds ~500k series: building a
// prometheus-cpp object per series and serialising it through an ostream
// cost ~1.5 us per series; here a series is a few copies into its family's
// buffer, with label sets rendered once per queue or per render, and
// numbers by to_chars.
#ifndef SLAMON_DAEMON_EXPORT_EXPOSITION_H_
#define SLAMON_DAEMON_EXPORT_EXPOSITION_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "daemon/engine/queue_stats.h"

namespace slamon::exporter {

// Bytes appended one piece after another. Unlike std::string it never
// zeroes what it grows into, and its appends are inline copies: both
// showed in the profile of a 65 MB page.
class TextBuffer {
 public:
  TextBuffer() = default;
  explicit TextBuffer(absl::string_view text) { Append(text); }

  void Append(absl::string_view text) {
    if (!text.empty()) std::memcpy(Extend(text.size()), text.data(), text.size());
  }
  void Append(char c) { *Extend(1) = c; }
  // Room for `n` more bytes, counted as written; TrimTo gives back the unused.
  char* Extend(size_t n) {
    if (capacity_ - size_ < n) Grow(n);
    char* at = data_.get() + size_;
    size_ += n;
    return at;
  }
  // Ends the text at `end`, within the room the last Extend gave.
  void TrimTo(const char* end) { size_ = static_cast<size_t>(end - data_.get()); }
  void Reserve(size_t capacity);
  void Clear() { size_ = 0; }  // keeps the memory

  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  absl::string_view view() const { return {data_.get(), size_}; }

 private:
  void Grow(size_t n);

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// A page: one buffer per metric family, sent one after the other.
using Page = std::vector<TextBuffer>;

// A label set in its exposition form, `queue="a",channel="b"`, values
// escaped: extended pair by pair, written as is into every series.
class Labels {
 public:
  Labels() = default;
  Labels With(absl::string_view name, absl::string_view value) const;
  // One more pair, in place.
  Labels& Append(absl::string_view name, absl::string_view value);
  // `base` with one more pair, in this set's memory: for a set remade in a
  // loop without allocating each time.
  Labels& Assign(const Labels& base, absl::string_view name, absl::string_view value) {
    text_ = base.text_;
    return Append(name, value);
  }
  Labels& Clear() {
    text_.clear();
    return *this;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

enum class MetricType { kCounter, kGauge, kHistogram, kSummary };

// A family of one page, from Exposition::Declare.
enum class FamilyId : uint32_t {};

class Exposition {
 public:
  // `series_hint`: the series most families will hold (one per queue or
  // more), reserved up front in each family's buffer. `recycled`: the
  // buffers of an earlier page, reused in order: families come in the same
  // order every scrape, and fresh tens of megabytes per scrape cost more in
  // page faults and regrowth than writing the text.
  explicit Exposition(size_t series_hint = 0, Page recycled = {})
      : series_hint_(series_hint), recycled_(std::move(recycled)) {}

  // The family `name`, opened with its HELP and TYPE the first time (later
  // declarations may pass an empty `help`). Families are written in the
  // order of their first declaration, each with its series together however
  // calls interleave; one without series is left out. A renderer declares
  // its families once and adds series by id: no lookup per series.
  FamilyId Declare(const char* name, const char* help, MetricType type);

  // A counter or gauge series: `name{labels,more} value`. `more` is a
  // second label set, typically one pair made once per render for every
  // queue (`event="arrived"`).
  void Add(FamilyId family, const Labels& labels, double value) { AddValue(family, labels.text(), {}, value); }
  void Add(FamilyId family, const Labels& labels, const Labels& more, double value) {
    AddValue(family, labels.text(), more.text(), value);
  }
  // Like the official client libraries' labelled histograms, a series
  // appears with its first observation: an empty one would cost a line per
  // bucket on every scrape for nothing.
  void AddHistogram(FamilyId family, const Labels& labels, const Labels& more, const engine::Histogram& h,
                    const std::vector<double>& bounds);
  // A summary without quantiles: a count and a sum.
  void AddSummary(FamilyId family, const Labels& labels, uint64_t count, double sum);

  // Declare and Add in one, for families of a few series.
  void Add(const char* name, const char* help, MetricType type, const Labels& labels, double value) {
    Add(Declare(name, help, type), labels, value);
  }
  void Add(const char* name, const char* help, MetricType type, const Labels& labels, absl::string_view label,
           absl::string_view label_value, double value) {
    Add(Declare(name, help, type), labels, Labels().With(label, label_value), value);
  }

  // Text already in exposition format (whole families), kept after ours.
  void AppendFamilies(absl::string_view text);
  // The page, family by family (HELP, TYPE, then its series), to be sent
  // as it is: joining the families would copy tens of megabytes.
  Page TakePage() &&;
  // The page in one piece, for tests and tools.
  std::string Text() &&;
  size_t series() const { return series_; }

 private:
  struct Family {
    MetricType type = MetricType::kGauge;
    size_t series = 0;
    // What each kind of line starts with: `name{`, `name_bucket{`, ...
    std::string value_start, bucket_start, sum_start, count_start;
    // Histogram bounds as the end of their bucket lines' labels (`2.5"} `),
    // made once per render for the bounds vector they came from.
    const std::vector<double>* bounds = nullptr;
    std::vector<std::string> bucket_ends;
    TextBuffer text;
  };
  Family& At(FamilyId id) { return families_[static_cast<uint32_t>(id)]; }
  void AddValue(FamilyId id, absl::string_view labels, absl::string_view more, double value);

  size_t series_hint_;
  size_t series_ = 0;
  std::vector<Family> families_;
  absl::flat_hash_map<absl::string_view, FamilyId> by_name_;
  Page appended_;
  Page recycled_;
  std::string bucket_prefix_;  // of the histogram being written
};

// A sample value as the format wants it: integers without a fraction
// ("14", not "1.4e+01"), others in the shortest form that reads back
// exactly, and "+Inf", "-Inf", "NaN".
void AppendValue(double value, TextBuffer& out);

}  // namespace slamon::exporter

#endif  // SLAMON_DAEMON_EXPORT_EXPOSITION_H_
