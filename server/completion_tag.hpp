#pragma once
// What the front puts on a gRPC completion queue as a tag: each completed
// operation calls its tag back, on the queue's one thread. A call with several
// operations in flight at once (a stream's read and write) has a tag for each.
namespace acord::server {

class CompletionTag {
 public:
  // `ok` is gRPC's: false when the operation could not complete (the call
  // ended, or the server is shutting down).
  virtual void completed(bool ok) = 0;

 protected:
  ~CompletionTag() = default;
};

// A tag that calls a member function of its owner.
template <class Owner>
class EventTag final : public CompletionTag {
 public:
  EventTag(Owner* owner, void (Owner::*on)(bool)) : owner_(owner), on_(on) {}
  void completed(bool ok) override { (owner_->*on_)(ok); }

 private:
  Owner* owner_;
  void (Owner::*on_)(bool);
};

}  // namespace acord::server
