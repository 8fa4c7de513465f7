// Writes the Prometheus text exposition format (version 0.0.4) straight from
// figures. A scrape at 10k queue keys holds ~500k series: building a
// prometheus-cpp object per series and serialising it through an ostream
// cost ~1.5 us per series; here a series is a few copies into its family's
// buffer, with label pairs rendered once per queue and numbers by to_chars.
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
  // Room for `n` more bytes, counted as written; Trim gives back the unused.
  char* Extend(size_t n) {
    if (capacity_ - size_ < n) Grow(n);
    char* at = data_.get() + size_;
    size_ += n;
    return at;
  }
  void Trim(size_t unused) { size_ -= unused; }
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
  // `base` with one more pair, in this set's memory: for a set remade in a
  // loop without allocating each time.
  void Assign(const Labels& base, absl::string_view name, absl::string_view value);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

enum class MetricType { kCounter, kGauge, kHistogram, kSummary };

class Exposition {
 public:
  // `series_hint`: the series most families will hold (one per queue or
  // more), reserved up front in each family's buffer. `recycled`: the
  // buffers of an earlier page, reused in order: families come in the same
  // order every scrape, and fresh tens of megabytes per scrape cost more in
  // page faults and regrowth than writing the text.
  explicit Exposition(size_t series_hint = 0, Page recycled = {})
      : series_hint_(series_hint), recycled_(std::move(recycled)) {}

  // A family is opened by its first series; later ones may pass an empty
  // `help`. Its series stay together however calls interleave families.
  void Add(const char* name, const char* help, MetricType type, const Labels& labels, double value) {
    Add(name, help, type, labels, {}, {}, value);
  }
  // The same with one more label pair, written without making the set.
  void Add(const char* name, const char* help, MetricType type, const Labels& labels, absl::string_view label,
           absl::string_view label_value, double value);
  // Like the official client libraries' labelled histograms, a series
  // appears with its first observation: an empty one would cost a line per
  // bucket on every scrape for nothing.
  void AddHistogram(const char* name, const char* help, const Labels& labels, const engine::Histogram& h,
                    const std::vector<double>& bounds);
  // A summary without quantiles: a count and a sum.
  void AddSummary(const char* name, const char* help, const Labels& labels, uint64_t count, double sum);
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
    absl::string_view name;
    MetricType type;
    TextBuffer text;
  };
  // The family a series of `name` goes to.
  Family& Series(const char* name, const char* help, MetricType type);

  size_t series_hint_;
  size_t series_ = 0;
  std::vector<Family> families_;
  absl::flat_hash_map<absl::string_view, size_t> by_name_;
  // Names are string literals, looked up once per series: by address
  // first, by text when an address is new (two copies of one literal).
  absl::flat_hash_map<const char*, size_t> by_address_;
  Page appended_;
  Page recycled_;
  // Histogram bounds as `le` values, by bounds vector (the options' own,
  // the same for every series of a render).
  absl::flat_hash_map<const std::vector<double>*, std::vector<std::string>> bucket_bounds_;
  TextBuffer bucket_prefix_;
};

// A sample value as the format wants it: integers without a fraction
// ("14", not "1.4e+01"), others in the shortest form that reads back
// exactly, and "+Inf", "-Inf", "NaN".
void AppendValue(double value, TextBuffer& out);

}  // namespace slamon::exporter

#endif  // SLAMON_DAEMON_EXPORT_EXPOSITION_H_
