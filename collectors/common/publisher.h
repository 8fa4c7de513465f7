// The client side of slamon.v1.Ingest, shared by every collector: batching,
// one long-lived Publish stream with per-batch acks, and reconnection with
// exponential backoff and jitter. Unacknowledged batches are sent again after
// a reconnect (the daemon counts duplicates once).
//
// With a spool directory (Publisher::Open), every sealed batch is written to
// disk before it is sent (spool.h): what the daemon has not acknowledged
// survives a collector restart and is sent, in order, by the next process.
// Only a window of batches is held in memory; the spool holds the rest while
// the daemon is down, up to its size bound, then Publish blocks. An item is
// spooled when its batch is sealed (full, or after `linger`, or when the
// Publisher is destroyed): a process killed outright loses at most the batch
// it was building.
#ifndef SLAMON_COLLECTORS_COMMON_PUBLISHER_H_
#define SLAMON_COLLECTORS_COMMON_PUBLISHER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "collectors/common/spool.h"
#include "absl/time/time.h"
#include "slamon/v1/ingest.grpc.pb.h"

namespace slamon::collectors {

struct PublisherOptions {
  std::string target = "127.0.0.1:7600";
  size_t batch_size = 100;
  // A partial batch is sent after this long.
  absl::Duration linger = absl::Milliseconds(50);
  // Publish() blocks while this many batches are unacknowledged.
  size_t max_unacked_batches = 64;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // Empty: batches live in memory only (use the constructor). Otherwise use
  // Publisher::Open.
  std::string spool_dir;
  uint64_t spool_max_bytes = uint64_t{1} << 30;
};

// A rejected item, with the caller's tag (e.g. a line number) to find it.
struct PublishRejection {
  uint64_t tag;
  std::string reason;
  std::string message;
};

struct PublisherStats {
  uint64_t queued = 0;
  uint64_t acknowledged = 0;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  uint64_t reconnects = 0;
};

class Publisher {
 public:
  using RejectionHandler = std::function<void(const PublishRejection&)>;

  // Memory only: options.spool_dir must be empty.
  explicit Publisher(PublisherOptions options, RejectionHandler on_rejection = nullptr);
  // With options.spool_dir: opens the spool (failing with the path and the
  // reason) and sends what an earlier process left unacknowledged first.
  static absl::StatusOr<std::unique_ptr<Publisher>> Open(PublisherOptions options,
                                                         RejectionHandler on_rejection = nullptr);
  // Closes the stream; does not wait for acks (call Flush first). With a
  // spool, the batch being built is spooled for the next process.
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Queue one item. `tag` comes back with a rejection. Blocks while too many
  // batches are unacknowledged. An item with a string field that is not UTF-8
  // is rejected here (reason invalid_field, counted as acknowledged and
  // rejected) instead of sent: the daemon could not parse its batch, which
  // would then be refused every time it was sent again.
  void Publish(v1::ContactEvent event, uint64_t tag = 0);
  void Publish(v1::ContactRecord record, uint64_t tag = 0);
  // Like Publish, but returns false instead of blocking when too many batches
  // are unacknowledged (the event is then left untouched).
  bool TryPublish(v1::ContactEvent& event, uint64_t tag = 0);

  // The first string field of `item` (by name, nested ones as a.b) that is
  // not UTF-8, if any.
  static std::optional<std::string> NonUtf8Field(const google::protobuf::Message& item);

  // Sends what is queued and waits until all of it is acknowledged.
  // DEADLINE_EXCEEDED if that takes longer than `timeout`.
  absl::Status Flush(absl::Duration timeout);

  PublisherStats stats() const;
  bool connected() const;

 private:
  using Batch = SpooledBatch;
  Publisher(PublisherOptions options, RejectionHandler on_rejection, std::unique_ptr<Spool> spool);
  bool WindowHasRoomLocked() const { return queued_.size() + unacked_.size() < options_.max_unacked_batches; }
  bool HasRoomLocked() const { return spool_ != nullptr ? !spool_->full() : WindowHasRoomLocked(); }
  // Moves spooled batches into the in-memory window while it has room.
  void LoadFromSpoolLocked();
  // Acknowledged, and the rejection handler has seen every rejection: a
  // Flush that returns has nothing left to report.
  bool AllAcknowledgedLocked() const {
    return queued_.empty() && unacked_.empty() && rejections_in_flight_ == 0 &&
           (spool_ == nullptr || next_load_ > spool_->last());
  }
  // Rejects an item that is not fit to send; false if it is.
  bool RejectedHere(const google::protobuf::Message& item, uint64_t tag);
  void AddLocked(v1::ContactEvent event, uint64_t tag);
  void AddLocked(v1::ContactRecord record, uint64_t tag);
  void StartItemLocked();  // before adding an item to the building batch
  void EndItemLocked();    // after: counts it and seals a full batch
  size_t BuildingSizeLocked() const;
  void SealLocked();
  void Run();
  // One connection's life: returns when the stream breaks or on shutdown.
  void Stream(std::unique_lock<std::mutex>& lock);
  void HandleAck(const v1::BatchAck& ack);

  PublisherOptions options_;
  RejectionHandler on_rejection_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ingest::Stub> stub_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  Batch building_;
  absl::Time building_since_;
  std::deque<Batch> queued_;   // sealed, not yet written on this stream
  std::deque<Batch> unacked_;  // written, awaiting their ack (in order)
  uint64_t next_sequence_ = 1;
  std::unique_ptr<Spool> spool_;  // null: memory only
  uint64_t next_load_ = 1;        // the next spooled batch to bring into memory
  absl::Time last_spool_sync_;
  bool shutdown_ = false;
  bool connected_ = false;
  // Acks whose rejections are being handed to the handler (outside mu_).
  int rejections_in_flight_ = 0;
  PublisherStats stats_;
  std::thread worker_;
};

}  // namespace slamon::collectors

#endif  // SLAMON_COLLECTORS_COMMON_PUBLISHER_H_
