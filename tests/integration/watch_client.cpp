#include "watch_client.hpp"

namespace acord::test {

WatchClient::WatchClient(const std::string& endpoint) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);  // large watch responses, as clientv3 allows
  channel_ = grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
  stub_ = etcdserverpb::Watch::NewStub(channel_);
  stream_ = stub_->Watch(&ctx_);
  reader_ = std::thread([this] {
    etcdserverpb::WatchResponse r;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !paused_; });
      }
      if (!stream_->Read(&r)) break;
      std::lock_guard<std::mutex> lock(mu_);
      got_.push_back(r);
      cv_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    cv_.notify_all();
  });
}

WatchClient::~WatchClient() {
  resume();
  ctx_.TryCancel();
  reader_.join();
  stream_->Finish();
}

bool WatchClient::send(const etcdserverpb::WatchRequest& r) { return stream_->Write(r); }

std::vector<etcdserverpb::WatchResponse> WatchClient::wait_for(std::size_t n, std::chrono::milliseconds deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, deadline, [&] { return got_.size() >= n || ended_; });
  return got_;
}

bool WatchClient::ended() {
  std::lock_guard<std::mutex> lock(mu_);
  return ended_;
}

void WatchClient::resume() {
  std::lock_guard<std::mutex> lock(mu_);
  paused_ = false;
  cv_.notify_all();
}

std::size_t WatchClient::count() {
  std::lock_guard<std::mutex> lock(mu_);
  return got_.size();
}

etcdserverpb::WatchRequest WatchClient::create(const std::string& key, const std::string& end,
                                               std::int64_t start_revision) {
  etcdserverpb::WatchRequest r;
  auto* c = r.mutable_create_request();
  c->set_key(key);
  c->set_range_end(end);
  c->set_start_revision(start_revision);
  return r;
}

}  // namespace acord::test
