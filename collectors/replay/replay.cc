#include "collectors/replay/replay.h"

#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "proto/proto_time.h"
#include "collectors/common/publisher.h"
#include "collectors/replay/record_reader.h"

namespace slamon::collectors {
namespace {

constexpr size_t kMaxListedRejections = 50;

struct RowProblem {
  uint64_t line;
  std::string reason;
  std::string message;
};

void DrawProgress(uint64_t done, std::streamoff position, std::streamoff size) {
  const int width = 30;
  const double fraction = size > 0 ? std::min(1.0, static_cast<double>(position) / static_cast<double>(size)) : 0;
  const int filled = static_cast<int>(fraction * width);
  std::fprintf(stderr, "\r[%s%s] %3d%%  %llu records", std::string(static_cast<size_t>(filled), '=').c_str(),
               std::string(static_cast<size_t>(width - filled), ' ').c_str(), static_cast<int>(fraction * 100),
               static_cast<unsigned long long>(done));
}

}  // namespace

int RunReplay(const ReplayOptions& options, std::FILE* out) {
  std::ifstream file;
  std::istream* in = &std::cin;
  std::streamoff size = 0;
  if (options.path != "-") {
    file.open(options.path, std::ios::binary | std::ios::ate);
    if (!file) {
      std::fprintf(out, "slamon-replay: cannot open %s\n", options.path.c_str());
      return kReplayUsageError;
    }
    size = file.tellg();
    file.seekg(0);
    in = &file;
  }
  RecordReader reader(*in, RecordReader::FormatOf(options.path), options.source);

  std::mutex mu;
  std::vector<RowProblem> problems;
  PublisherOptions publisher_options;
  publisher_options.target = options.daemon;
  publisher_options.batch_size = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  Publisher publisher(publisher_options, [&](const PublishRejection& r) {
    std::lock_guard lock(mu);
    problems.push_back({r.tag, r.reason, r.message});
  });

  uint64_t read = 0, unreadable = 0;
  std::optional<absl::Time> first_arrival;
  const absl::Time started = absl::Now();
  while (std::optional<RecordReader::Item> item = reader.Next()) {
    if (!item->record.ok()) {
      ++unreadable;
      std::lock_guard lock(mu);
      problems.push_back({static_cast<uint64_t>(item->line), "unreadable", std::string(item->record.status().message())});
      continue;
    }
    if (options.speed > 0) {
      const absl::Time arrived = ToTime(item->record->arrived_at());
      if (!first_arrival) first_arrival = arrived;
      const absl::Time due = started + (arrived - *first_arrival) / options.speed;
      if (due > absl::Now()) std::this_thread::sleep_for(absl::ToChronoMicroseconds(due - absl::Now()));
    }
    publisher.Publish(*std::move(item->record), static_cast<uint64_t>(item->line));
    ++read;
    if (options.progress && read % 1000 == 0) DrawProgress(read, size > 0 ? std::streamoff(in->tellg()) : 0, size);
  }
  if (!reader.header_status().ok()) {
    std::fprintf(out, "slamon-replay: %s: header: %s\n", options.path.c_str(),
                 std::string(reader.header_status().message()).c_str());
    return kReplayUsageError;
  }
  const absl::Status flushed = publisher.Flush(options.timeout);
  if (options.progress) {
    DrawProgress(read, size, size);
    std::fputc('\n', stderr);
  }
  if (!reader.unknown_fields().empty()) {
    std::fprintf(out, "warning: ignored unknown columns: %s\n",
                 absl::StrJoin(reader.unknown_fields(), ", ").c_str());
  }
  const PublisherStats stats = publisher.stats();
  std::fprintf(out, "%s: %llu records sent, %llu acknowledged: %llu accepted, %llu duplicates, %llu rejected; %llu unreadable\n",
               options.path.c_str(), static_cast<unsigned long long>(read),
               static_cast<unsigned long long>(stats.acknowledged), static_cast<unsigned long long>(stats.accepted),
               static_cast<unsigned long long>(stats.duplicates), static_cast<unsigned long long>(stats.rejected),
               static_cast<unsigned long long>(unreadable));
  std::lock_guard lock(mu);
  std::sort(problems.begin(), problems.end(), [](const RowProblem& a, const RowProblem& b) { return a.line < b.line; });
  for (size_t i = 0; i < problems.size() && i < kMaxListedRejections; ++i) {
    std::fprintf(out, "  line %llu: %s: %s\n", static_cast<unsigned long long>(problems[i].line),
                 problems[i].reason.c_str(), problems[i].message.c_str());
  }
  if (problems.size() > kMaxListedRejections) {
    std::fprintf(out, "  ... and %zu more\n", problems.size() - kMaxListedRejections);
  }
  if (!flushed.ok()) {
    std::fprintf(out, "slamon-replay: %s\n", std::string(flushed.message()).c_str());
    return kReplayNotAcknowledged;
  }
  return unreadable == 0 ? kReplayAllAcknowledged : kReplayNotAcknowledged;
}

}  // namespace slamon::collectors
