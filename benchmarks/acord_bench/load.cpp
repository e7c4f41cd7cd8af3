#include "load.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>

namespace acord::bench {

std::vector<std::shared_ptr<grpc::Channel>> connect(const Common& c) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < c.conns; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("acord.bench.channel", i);  // distinct arguments: distinct connections
    args.SetMaxReceiveMessageSize(-1);
    const auto& endpoint = c.endpoints[static_cast<std::size_t>(i) % c.endpoints.size()];
    channels.push_back(grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

std::string key_of(long i, int key_size) {
  std::string digits = std::to_string(i);
  const std::size_t width = key_size > 1 ? static_cast<std::size_t>(key_size - 1) : 1;
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return "k" + digits;
}

RequestBudget::RequestBudget(const Common& c)
    : total_(c.total),
      timed_(c.duration_s > 0),
      end_(Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.duration_s))) {}

bool RequestBudget::take() {
  if (total_ > 0 && taken_.fetch_add(1) >= total_) return false;
  return !timed_ || Clock::now() < end_;
}

namespace {

constexpr auto request_deadline = std::chrono::seconds(10);

struct Loop {
  const Common& c;
  const Issue& issue;
  Recorder& recorder;
  RequestBudget budget;
  std::mutex mu;
  std::condition_variable all_done;
  int running = 0;

  struct Client {
    int id = 0;
    long seq = 0;
    Samples* samples = nullptr;
    // Two contexts, used in turn: a context is never destroyed inside its own
    // completion, only at the completion after it.
    std::unique_ptr<grpc::ClientContext> ctx[2];
    std::int64_t sent_ns = 0;
  };
  std::vector<Client> clients;

  Loop(const Common& common, const Issue& i, Recorder& r) : c(common), issue(i), recorder(r), budget(common) {}

  void next(Client& cl) {
    if (!budget.take()) {
      std::lock_guard<std::mutex> lock(mu);
      if (--running == 0) all_done.notify_all();
      return;
    }
    auto& ctx = cl.ctx[cl.seq % 2];
    ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + request_deadline);
    cl.sent_ns = now_ns();
    const long seq = cl.seq++;
    issue(cl.id, seq, ctx.get(), [this, &cl](const grpc::Status& st) {
      if (st.ok()) {
        cl.samples->add(now_ns() - cl.sent_ns);
      } else {
        cl.samples->error();
        recorder.note_error(std::to_string(st.error_code()) + " " + st.error_message());
      }
      next(cl);
    });
  }
};

}  // namespace

Summary run_closed_loop(const Common& c, const std::string& workload, const Issue& issue) {
  Recorder recorder(workload, c.progress);
  Loop loop(c, issue, recorder);
  loop.clients.resize(static_cast<std::size_t>(c.clients));
  for (int i = 0; i < c.clients; ++i) {
    loop.clients[static_cast<std::size_t>(i)].id = i;
    loop.clients[static_cast<std::size_t>(i)].samples = recorder.worker();
  }
  loop.running = c.clients;
  recorder.start();
  for (auto& cl : loop.clients) loop.next(cl);
  std::unique_lock<std::mutex> lock(loop.mu);
  loop.all_done.wait(lock, [&] { return loop.running == 0; });
  return recorder.stop();
}

}  // namespace acord::bench
