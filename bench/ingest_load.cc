// slamon-ingest-load: events per second through slamond's gRPC ingest, next
// to an in-process raw sink that only parses the same batches, in one run.
// Batches are serialised once up front and sent through the generic stub, so
// the client spends as little of the shared CPU as possible.
//
//   bench/run_ingest_load.sh         (starts slamond on a free port)
#include <condition_variable>
#include <mutex>
#include <thread>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "proto/proto_time.h"
#include "common/build_info.h"
#include "common/cli.h"
#include "daemon/ingest/ingest_service.h"
#include "prometheus/registry.h"
#include "slamon/v1/ingest.grpc.pb.h"

namespace {

using slamon::v1::BatchAck;
using slamon::v1::EventBatch;

// Contacts of four events each (arrived, answered, wrap-up ended, closed)
// over `queues` queues, stamped in the last ten minutes, with ids unique to
// this run.
std::vector<grpc::ByteBuffer> BuildBatches(int64_t events, int64_t batch_size, int64_t queues, int64_t* total) {
  const absl::Time base = absl::Now() - absl::Minutes(10);
  const std::string run = absl::StrCat(absl::ToUnixNanos(absl::Now()));
  std::vector<grpc::ByteBuffer> out;
  EventBatch batch;
  int64_t n = 0;
  for (int64_t contact = 0; n < events; ++contact) {
    const std::string id = absl::StrCat("c", contact);
    const absl::Time arrived = base + absl::Microseconds(contact);
    const slamon::v1::EventKind kinds[] = {slamon::v1::ARRIVED, slamon::v1::ANSWERED, slamon::v1::WRAPUP_ENDED,
                                           slamon::v1::CLOSED};
    for (int k = 0; k < 4; ++k, ++n) {
      slamon::v1::ContactEvent* e = batch.add_events();
      e->set_kind(kinds[k]);
      e->set_source("load");
      e->set_contact_id(id);
      e->set_event_id(absl::StrCat(run, "-", n));
      slamon::SetTimestamp(arrived + absl::Seconds(k * 10 + contact % 30), e->mutable_occurred_at());
      if (k == 0) {
        e->set_queue(absl::StrCat("q", contact % queues));
        e->set_channel("phone");
      }
    }
    if (batch.events_size() >= batch_size || n >= events) {
      batch.set_sequence(out.size() + 1);
      const std::string bytes = batch.SerializeAsString();
      grpc::Slice slice(bytes);
      out.emplace_back(&slice, 1);
      *total += batch.events_size();
      batch.Clear();
    }
  }
  return out;
}

// One Publish stream writing its share of the batches with up to `window`
// unacknowledged, counting what the acks say.
class LoadStream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  LoadStream(grpc::GenericStub& stub, std::vector<grpc::ByteBuffer> batches, size_t window)
      : batches_(std::move(batches)), window_(window) {
    stub.PrepareBidiStreamingCall(&context_, "/slamon.v1.Ingest/Publish", grpc::StubOptions(), this);
    StartRead(&incoming_);
    std::lock_guard lock(mu_);
    WriteNextLocked();
    StartCall();
  }
  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) return;
    WriteNextLocked();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    BatchAck ack;
    std::vector<grpc::Slice> slices;
    (void)incoming_.Dump(&slices);
    std::string bytes;
    for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    ack.ParseFromString(bytes);
    std::lock_guard lock(mu_);
    accepted_ += ack.accepted();
    rejected_ += static_cast<uint64_t>(ack.rejected_size()) + ack.duplicates();
    ++acked_;
    if (acked_ == batches_.size()) {
      StartWritesDone();
    } else {
      StartRead(&incoming_);
      WriteNextLocked();
    }
  }
  void OnDone(const grpc::Status& status) override {
    std::lock_guard lock(mu_);
    status_ = status;
    done_ = true;
    finished_.notify_all();
  }
  grpc::Status Wait() {
    std::unique_lock lock(mu_);
    finished_.wait(lock, [this] { return done_; });
    return status_;
  }
  uint64_t accepted() const { return accepted_; }
  uint64_t rejected() const { return rejected_; }

 private:
  void WriteNextLocked() {
    if (writing_ || next_ >= batches_.size() || next_ - acked_ >= window_) return;
    writing_ = true;
    StartWrite(&batches_[next_++]);
  }

  grpc::ClientContext context_;
  std::vector<grpc::ByteBuffer> batches_;
  size_t window_;
  grpc::ByteBuffer incoming_;
  std::mutex mu_;
  std::condition_variable finished_;
  size_t next_ = 0, acked_ = 0;
  bool writing_ = false, done_ = false;
  uint64_t accepted_ = 0, rejected_ = 0;
  grpc::Status status_;
};

struct Result {
  double seconds;
  uint64_t accepted;
  uint64_t rejected;
  bool ok;
};

Result Blast(const std::string& target, const std::vector<grpc::ByteBuffer>& batches, int streams, size_t window) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per stream
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  std::vector<std::vector<grpc::ByteBuffer>> shares(static_cast<size_t>(streams));
  for (size_t i = 0; i < batches.size(); ++i) shares[i % shares.size()].push_back(batches[i]);
  const absl::Time start = absl::Now();
  std::vector<std::unique_ptr<LoadStream>> running;
  for (int s = 0; s < streams; ++s) {
    stubs.push_back(std::make_unique<grpc::GenericStub>(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args)));
    running.push_back(std::make_unique<LoadStream>(*stubs.back(), shares[static_cast<size_t>(s)], window));
  }
  Result r{0, 0, 0, true};
  for (auto& stream : running) {
    const grpc::Status status = stream->Wait();
    r.ok = r.ok && status.ok();
    if (!status.ok()) std::fprintf(stderr, "stream to %s failed: %s\n", target.c_str(), status.error_message().c_str());
    r.accepted += stream->accepted();
    r.rejected += stream->rejected();
  }
  r.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string daemon;
  int64_t events = 1'000'000, batch_size = 100, queues = 100, streams = 2, window = 32;
  slamon::CommandLine cli(
      "slamon-ingest-load --daemon ADDR [flags]\n\n"
      "Sends the same pre-serialised batches to slamond and to an in-process raw gRPC sink that\n"
      "only parses them, and prints events/s for both.");
  cli.AddString("daemon", &daemon, "slamond gRPC address");
  cli.AddInt("events", &events, "events to send to each target");
  cli.AddInt("batch", &batch_size, "events per batch");
  cli.AddInt("queues", &queues, "queues the contacts are spread over (one channel: queue keys)");
  cli.AddInt("streams", &streams, "concurrent Publish streams");
  cli.AddInt("window", &window, "unacknowledged batches per stream");
  cli.SetVersion(slamon::VersionLine("slamon-ingest-load"));
  bool proceed = false;
  if (int code = slamon::ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  if (daemon.empty()) {
    std::fprintf(stderr, "--daemon is required (see --help)\n");
    return 2;
  }
  if (queues < 1 || events < 1 || batch_size < 1) {
    std::fprintf(stderr, "--queues, --events and --batch must be at least 1\n");
    return 2;
  }

  // The raw sink: the daemon's own RPC plumbing, with a handler that parses
  // (with protobuf, into a message reused per thread, as the daemon reused
  // one per stream before it decoded batches itself) and acks.
  prometheus::Registry registry;
  slamon::ingest::IngestService sink(
      [](absl::string_view wire, BatchAck* ack, slamon::ingest::AckReady& done) {
        thread_local EventBatch batch;
        if (!batch.ParseFromArray(wire.data(), static_cast<int>(wire.size()))) return false;
        ack->set_sequence(batch.sequence());
        ack->set_accepted(static_cast<uint32_t>(batch.events_size()));
        done(grpc::Status::OK);
        return true;
      },
      registry);
  int sink_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &sink_port);
  builder.RegisterService(&sink);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) return 1;

  int64_t total = 0;
  const std::vector<grpc::ByteBuffer> for_daemon = BuildBatches(events, batch_size, queues, &total);
  int64_t sink_total = 0;
  const std::vector<grpc::ByteBuffer> for_sink = BuildBatches(events, batch_size, queues, &sink_total);
  std::printf("%lld events in %zu batches of %lld, %lld streams, window %lld\n", static_cast<long long>(total),
              for_daemon.size(), static_cast<long long>(batch_size), static_cast<long long>(streams),
              static_cast<long long>(window));

  const Result sink_result = Blast(absl::StrCat("127.0.0.1:", sink_port), for_sink, static_cast<int>(streams),
                                   static_cast<size_t>(window));
  const Result daemon_result = Blast(daemon, for_daemon, static_cast<int>(streams), static_cast<size_t>(window));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));

  const double sink_rate = static_cast<double>(total) / sink_result.seconds;
  const double daemon_rate = static_cast<double>(total) / daemon_result.seconds;
  std::printf("raw sink : %10.0f events/s  (%.2f s)\n", sink_rate, sink_result.seconds);
  std::printf("slamond  : %10.0f events/s  (%.2f s; %llu accepted, %llu rejected or duplicate)\n", daemon_rate,
              daemon_result.seconds, static_cast<unsigned long long>(daemon_result.accepted),
              static_cast<unsigned long long>(daemon_result.rejected));
  std::printf("slamond / raw sink: %.2f\n", daemon_rate / sink_rate);
  return sink_result.ok && daemon_result.ok && daemon_result.accepted == static_cast<uint64_t>(total) ? 0 : 1;
}
