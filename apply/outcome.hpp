#pragma once
// The answer for a request: an error, or a response message (its header
// filled). What the state machine returns and what the actors pass on.
#include <memory>

#include "core/kv/api_error.hpp"

namespace google::protobuf {
class Message;
}

namespace acord::apply {

struct Outcome {
  ApiError error;
  std::shared_ptr<google::protobuf::Message> response;
};
using OutcomePtr = std::shared_ptr<Outcome>;

}  // namespace acord::apply
