#pragma once
// A recorded history of client operations on a key-value store, as the fault
// test records it and the linearizability checker reads it. Each operation
// has the time it was invoked and the time its answer came back; an operation
// whose answer never came (a timeout, a dropped connection) has an unknown
// outcome: it may or may not have taken effect.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace acord::fault {

enum class OpKind { get, put, del, cas };
enum class Outcome { ok, failed, unknown };  // failed: certainly did not happen

struct Op {
  int client = 0;
  OpKind kind = OpKind::get;
  std::string key;
  std::string value;                    // put: the value; cas: the new value
  std::optional<std::string> expected;  // cas: the value it compares with
  // What the store answered (for ok outcomes): get: the value read (nullopt:
  // absent); del: whether a key was deleted; cas: whether it succeeded.
  std::optional<std::string> read;
  bool flag = false;
  std::int64_t invoked_ns = 0;
  std::int64_t completed_ns = 0;  // unknown outcome: ignored (it may complete any time after)
  Outcome outcome = Outcome::ok;
  std::int64_t revision = 0;  // the header revision of the answer (ok outcomes)
  int member = -1;            // which member the client asked (-1: not recorded)
};

std::string describe(const Op& op);

}  // namespace acord::fault
