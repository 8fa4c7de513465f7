#include "collectors/common/publisher.h"

#include <random>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/fmt_absl.h"
#include "common/utf8.h"
#include "spdlog/spdlog.h"

namespace slamon::collectors {
namespace {

// gRPC's own reconnect backoff (1 s growing to 2 min by default) would
// otherwise hold the channel down long after the daemon is back: ours wins.
std::shared_ptr<grpc::Channel> MakeChannel(const PublisherOptions& options) {
  grpc::ChannelArguments args;
  const int initial = static_cast<int>(absl::ToInt64Milliseconds(options.initial_backoff));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, initial);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, initial);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(absl::ToInt64Milliseconds(options.max_backoff)));
  return grpc::CreateCustomChannel(options.target, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

Publisher::Publisher(PublisherOptions options, RejectionHandler on_rejection)
    : Publisher(std::move(options), std::move(on_rejection), nullptr) {}

Publisher::Publisher(PublisherOptions options, RejectionHandler on_rejection, std::unique_ptr<Spool> spool)
    : options_(std::move(options)),
      on_rejection_(std::move(on_rejection)),
      channel_(MakeChannel(options_)),
      stub_(v1::Ingest::NewStub(channel_)),
      spool_(std::move(spool)) {
  SLAMON_CHECK(options_.spool_dir.empty() == (spool_ == nullptr));  // a spool comes from Open
  if (spool_ != nullptr) {
    next_sequence_ = spool_->last() + 1;
    next_load_ = spool_->first_unacked();
    if (spool_->last() >= next_load_) {
      spdlog::info("spool {}: {} batches left unacknowledged by an earlier run are sent first", options_.spool_dir,
                   spool_->last() - next_load_ + 1);
    }
    std::lock_guard lock(mu_);
    LoadFromSpoolLocked();
  }
  worker_ = std::thread([this] { Run(); });
}

absl::StatusOr<std::unique_ptr<Publisher>> Publisher::Open(PublisherOptions options, RejectionHandler on_rejection) {
  std::unique_ptr<Spool> spool;
  if (!options.spool_dir.empty()) {
    absl::StatusOr<std::unique_ptr<Spool>> opened = Spool::Open(options.spool_dir, options.spool_max_bytes);
    if (!opened.ok()) {
      return absl::Status(opened.status().code(), absl::StrCat("spool: ", opened.status().message()));
    }
    spool = *std::move(opened);
  }
  return std::unique_ptr<Publisher>(new Publisher(std::move(options), std::move(on_rejection), std::move(spool)));
}

void Publisher::LoadFromSpoolLocked() {
  while (spool_ != nullptr && WindowHasRoomLocked() && next_load_ <= spool_->last()) {
    absl::StatusOr<SpooledBatch> batch = spool_->Read(next_load_);
    if (!batch.ok()) {
      // Lost to the disk: skipped and acknowledged with the batches after it.
      spdlog::error("spool: {}", batch.status().message());
      next_load_ += 1;
      continue;
    }
    queued_.push_back(*std::move(batch));
    next_load_ += 1;
    changed_.notify_all();
  }
}

Publisher::~Publisher() {
  {
    std::lock_guard lock(mu_);
    // The batch being built goes to the spool, for the next process.
    if (spool_ != nullptr) SealLocked();
    shutdown_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

std::optional<std::string> Publisher::NonUtf8Field(const google::protobuf::Message& item) {
  const google::protobuf::Descriptor& descriptor = *item.GetDescriptor();
  const google::protobuf::Reflection& reflection = *item.GetReflection();
  std::string scratch;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const google::protobuf::FieldDescriptor& field = *descriptor.field(i);
    if (field.type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      const int n = field.is_repeated() ? reflection.FieldSize(item, &field) : 1;
      for (int k = 0; k < n; ++k) {
        const std::string& value = field.is_repeated()
                                       ? reflection.GetRepeatedStringReference(item, &field, k, &scratch)
                                       : reflection.GetStringReference(item, &field, &scratch);
        if (!IsValidUtf8(value)) return field.name();
      }
    } else if (field.type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      const int n = field.is_repeated() ? reflection.FieldSize(item, &field) : (reflection.HasField(item, &field) ? 1 : 0);
      for (int k = 0; k < n; ++k) {
        const google::protobuf::Message& inner =
            field.is_repeated() ? reflection.GetRepeatedMessage(item, &field, k) : reflection.GetMessage(item, &field);
        if (std::optional<std::string> bad = NonUtf8Field(inner)) return absl::StrCat(field.name(), ".", *bad);
      }
    }
  }
  return std::nullopt;
}

bool Publisher::RejectedHere(const google::protobuf::Message& item, uint64_t tag) {
  const std::optional<std::string> field = NonUtf8Field(item);
  if (!field) return false;
  const PublishRejection rejection{tag, "invalid_field", absl::StrCat(*field, " is not valid UTF-8")};
  {
    std::lock_guard lock(mu_);
    stats_.queued += 1;
    stats_.acknowledged += 1;
    stats_.rejected += 1;
  }
  if (on_rejection_) {
    on_rejection_(rejection);
  } else {
    spdlog::warn("not sent: {}", rejection.message);
  }
  return true;
}

void Publisher::Publish(v1::ContactEvent event, uint64_t tag) {
  if (RejectedHere(event, tag)) return;
  std::unique_lock lock(mu_);
  changed_.wait(lock, [this] { return HasRoomLocked(); });
  AddLocked(std::move(event), tag);
}

bool Publisher::TryPublish(v1::ContactEvent& event, uint64_t tag) {
  if (RejectedHere(event, tag)) return true;
  std::lock_guard lock(mu_);
  if (!HasRoomLocked()) return false;
  AddLocked(std::move(event), tag);
  return true;
}

void Publisher::Publish(v1::ContactRecord record, uint64_t tag) {
  if (RejectedHere(record, tag)) return;
  std::unique_lock lock(mu_);
  changed_.wait(lock, [this] { return HasRoomLocked(); });
  AddLocked(std::move(record), tag);
}

void Publisher::AddLocked(v1::ContactEvent event, uint64_t tag) {
  StartItemLocked();
  *building_.message.add_events() = std::move(event);
  building_.event_tags.push_back(tag);
  EndItemLocked();
}

void Publisher::AddLocked(v1::ContactRecord record, uint64_t tag) {
  StartItemLocked();
  *building_.message.add_records() = std::move(record);
  building_.record_tags.push_back(tag);
  EndItemLocked();
}

void Publisher::StartItemLocked() {
  if (BuildingSizeLocked() > 0) return;
  building_since_ = absl::Now();
  changed_.notify_all();  // the worker starts the linger clock
}

void Publisher::EndItemLocked() {
  stats_.queued += 1;
  if (BuildingSizeLocked() >= options_.batch_size) SealLocked();
}

size_t Publisher::BuildingSizeLocked() const {
  return static_cast<size_t>(building_.message.events_size() + building_.message.records_size());
}

void Publisher::SealLocked() {
  if (BuildingSizeLocked() == 0) return;
  const uint64_t sequence = next_sequence_++;
  building_.message.set_sequence(sequence);
  if (spool_ != nullptr) {
    if (absl::Status s = spool_->Append(building_); !s.ok()) {
      // Still sent from memory; the spool is left behind so that its
      // sequence numbers stay those of the stream.
      spdlog::error("spool: {}; from now on batches are kept in memory only", s.message());
      spool_.reset();
    } else {
      if (absl::Now() - last_spool_sync_ >= absl::Seconds(1)) {
        // A machine crash loses at most about a second of spooled batches.
        if (absl::Status synced = spool_->Sync(); !synced.ok()) spdlog::error("spool: {}", synced.message());
        last_spool_sync_ = absl::Now();
      }
      if (next_load_ == sequence && WindowHasRoomLocked()) {
        next_load_ += 1;  // sent from memory; no need to read it back
      } else {
        building_ = Batch{};
        LoadFromSpoolLocked();
        return;
      }
    }
  }
  queued_.push_back(std::move(building_));
  building_ = Batch{};
  changed_.notify_all();
}

absl::Status Publisher::Flush(absl::Duration timeout) {
  std::unique_lock lock(mu_);
  SealLocked();
  if (spool_ != nullptr) {
    if (absl::Status synced = spool_->Sync(); !synced.ok()) spdlog::error("spool: {}", synced.message());
  }
  const bool done = changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                                      [this] { return AllAcknowledgedLocked(); });
  if (done) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat(stats_.queued - stats_.acknowledged, " items not acknowledged by ", options_.target,
                   connected_ ? "" : " (not connected)"));
}

PublisherStats Publisher::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool Publisher::connected() const {
  std::lock_guard lock(mu_);
  return connected_;
}

void Publisher::HandleAck(const v1::BatchAck& ack) {
  std::vector<PublishRejection> rejections;
  {
    std::lock_guard lock(mu_);
    if (unacked_.empty() || unacked_.front().message.sequence() != ack.sequence()) {
      // The daemon answers batches in order; anything else is a protocol bug.
      spdlog::error("ack for batch {} does not match the oldest unacknowledged batch", ack.sequence());
      return;
    }
    const Batch& batch = unacked_.front();
    for (const v1::Rejection& r : ack.rejected()) {
      const auto& tags = r.item() == v1::RECORD ? batch.record_tags : batch.event_tags;
      rejections.push_back({r.index() < tags.size() ? tags[r.index()] : 0, r.reason(), r.message()});
    }
    const uint64_t items = static_cast<uint64_t>(batch.message.events_size() + batch.message.records_size());
    stats_.acknowledged += items;
    stats_.accepted += ack.accepted();
    stats_.duplicates += ack.duplicates();
    stats_.rejected += static_cast<uint64_t>(ack.rejected_size());
    unacked_.pop_front();
    if (spool_ != nullptr) {
      if (absl::Status s = spool_->Ack(ack.sequence()); !s.ok()) spdlog::error("spool: {}", s.message());
      LoadFromSpoolLocked();
    }
    if (!rejections.empty() && on_rejection_) rejections_in_flight_ += 1;
  }
  changed_.notify_all();
  if (rejections.empty() || !on_rejection_) return;
  for (const PublishRejection& r : rejections) on_rejection_(r);
  {
    std::lock_guard lock(mu_);
    rejections_in_flight_ -= 1;
  }
  changed_.notify_all();
}

void Publisher::Stream(std::unique_lock<std::mutex>& lock) {
  grpc::ClientContext context;
  lock.unlock();
  std::unique_ptr<grpc::ClientReaderWriter<v1::EventBatch, v1::BatchAck>> stream = stub_->Publish(&context);
  // Acks are read on their own thread so that writing never waits for them.
  bool read_ended = false;  // guarded by mu_
  std::thread reader([this, &stream, &read_ended] {
    v1::BatchAck ack;
    while (stream->Read(&ack)) HandleAck(ack);
    // The stream is over (daemon gone, or the call ended with an error): the
    // writer may be idle with a full window and must hear it from here.
    std::lock_guard lock(mu_);
    read_ended = true;
    changed_.notify_all();
  });
  lock.lock();
  // Whatever this process wrote on a broken stream is written again.
  while (!unacked_.empty()) {
    queued_.push_front(std::move(unacked_.back()));
    unacked_.pop_back();
  }
  bool ok = true;
  while (ok && !shutdown_ && !read_ended) {
    // Sleep until a batch is sealed, or until a partial batch has lingered.
    const bool had_partial = BuildingSizeLocked() > 0;
    const absl::Duration wait =
        had_partial ? std::max(absl::Milliseconds(1), building_since_ + options_.linger - absl::Now())
                    : absl::Seconds(1);
    changed_.wait_for(lock, absl::ToChronoMilliseconds(wait), [this, had_partial, &read_ended] {
      return shutdown_ || read_ended || !queued_.empty() || (!had_partial && BuildingSizeLocked() > 0);
    });
    if (read_ended) break;
    if (queued_.empty() && BuildingSizeLocked() > 0 && absl::Now() >= building_since_ + options_.linger) {
      SealLocked();
    }
    while (ok && !queued_.empty()) {
      unacked_.push_back(std::move(queued_.front()));
      queued_.pop_front();
      const v1::EventBatch* message = &unacked_.back().message;  // deque growth keeps elements in place
      lock.unlock();
      ok = stream->Write(*message);
      lock.lock();
      if (ok && !connected_) {
        connected_ = true;
        spdlog::info("connected to slamond at {}", options_.target);
      }
    }
  }
  const bool write_side_open = ok && !read_ended;
  lock.unlock();
  if (write_side_open) stream->WritesDone();
  context.TryCancel();
  reader.join();
  const grpc::Status status = stream->Finish();
  lock.lock();
  if (!shutdown_) {
    if (connected_) spdlog::warn("stream to {} broke: {}", options_.target, status.error_message());
    connected_ = false;
  }
}

void Publisher::Run() {
  std::mt19937_64 rng(std::random_device{}());
  absl::Duration backoff = options_.initial_backoff;
  std::unique_lock lock(mu_);
  while (!shutdown_) {
    const uint64_t acked_before = stats_.acknowledged;
    Stream(lock);
    if (shutdown_) break;
    if (stats_.acknowledged > acked_before) backoff = options_.initial_backoff;  // it worked for a while
    stats_.reconnects += 1;
    // Full jitter: a fleet of collectors does not reconnect in lockstep.
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    const absl::Duration wait = backoff * jitter(rng);
    changed_.wait_for(lock, absl::ToChronoMilliseconds(wait), [this] { return shutdown_; });
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace slamon::collectors
