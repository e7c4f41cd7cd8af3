#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/cluster/waiting_requests.hpp"

using acord::cluster::WaitingRequests;

TEST_CASE("waiting requests: a deadline is set once, however often the request is added again", "[waiting]") {
  WaitingRequests<int, std::string> w;
  CHECK(w.add(1, "first", 10));
  CHECK_FALSE(w.add(1, "again", 50));  // the first deadline and waiter stand
  CHECK(w.add(2, "second", 20));
  std::vector<std::string> timed_out;
  w.expire(9, [&](int, std::string& s) { timed_out.push_back(s); });
  CHECK(timed_out.empty());
  w.expire(10, [&](int, std::string& s) { timed_out.push_back(s); });
  CHECK(timed_out == std::vector<std::string>{"first"});
  CHECK(w.size() == 1);
}

TEST_CASE("waiting requests: a waiter taken out is no longer timed out or drained", "[waiting]") {
  WaitingRequests<int, std::string> w;
  w.add(1, "a", 10);
  w.add(2, "b", 10);
  w.add(3, "c", 10);
  auto a = w.take(1);
  REQUIRE(a);
  CHECK(*a == "a");
  CHECK_FALSE(w.take(1));
  std::vector<int> picked;
  w.take_if([](int k, const std::string&) { return k == 3; }, [&](int k, std::string&) { picked.push_back(k); });
  CHECK(picked == std::vector<int>{3});
  std::vector<int> stopped;
  w.drain([&](int k, std::string&) { stopped.push_back(k); });
  CHECK(stopped == std::vector<int>{2});
  CHECK(w.empty());
}
