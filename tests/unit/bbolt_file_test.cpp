// The bbolt file writer's layout (bbolt itself reads the files in the
// integration test "etcdctl snapshot save"): pages, meta, elements.
#include <catch2/catch.hpp>

#include <openssl/sha.h>

#include <algorithm>

#include "storage/bbolt_file.hpp"
#include "storage/bbolt_reader.hpp"
#include "storage/etcd_snapshot.hpp"

using namespace acord::storage;

namespace {
std::uint64_t le(const std::string& s, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}
}  // namespace

TEST_CASE("bbolt file: two valid metas, a freelist, and a root bucket naming each bucket", "[bbolt]") {
  BboltBuckets b;
  b["zeta"] = {{"k2", "v2"}, {"k1", "v1"}};
  b["alpha"];
  const std::string f = write_bbolt(b);
  REQUIRE(f.size() % 4096 == 0);
  for (std::uint64_t page = 0; page < 2; ++page) {
    const std::size_t m = page * 4096 + 16;
    CHECK(le(f, page * 4096, 8) == page);
    CHECK(le(f, page * 4096 + 8, 2) == 0x04);        // meta page
    CHECK(le(f, m, 4) == 0xED0CDAED);                // magic
    CHECK(le(f, m + 4, 4) == 2);                     // version
    CHECK(le(f, m + 8, 4) == 4096);                  // page size
    CHECK(le(f, m + 32, 8) == 2);                    // freelist page
    CHECK(le(f, m + 40, 8) == f.size() / 4096);      // pages in the file
    CHECK(le(f, m + 48, 8) == page);                 // txid
  }
  CHECK(le(f, 2 * 4096 + 8, 2) == 0x10);  // freelist, empty
  CHECK(le(f, 2 * 4096 + 10, 2) == 0);
  // The root bucket's leaf: "alpha" then "zeta", both bucket elements.
  const std::size_t root = le(f, 16 + 16, 8) * 4096;
  CHECK(le(f, root + 8, 2) == 0x02);
  REQUIRE(le(f, root + 10, 2) == 2);
  const std::size_t e0 = root + 16;
  CHECK(le(f, e0, 4) == 1);  // bucketLeafFlag
  CHECK(f.substr(e0 + le(f, e0 + 4, 4), le(f, e0 + 8, 4)) == "alpha");
  const std::size_t e1 = e0 + 16;
  CHECK(f.substr(e1 + le(f, e1 + 4, 4), le(f, e1 + 8, 4)) == "zeta");
  // zeta's leaf holds its keys sorted.
  const std::size_t zeta = le(f, e1 + le(f, e1 + 4, 4) + 4, 8) * 4096;
  REQUIRE(le(f, zeta + 10, 2) == 2);
  CHECK(f.substr(zeta + 16 + le(f, zeta + 16 + 4, 4), 2) == "k1");
}

TEST_CASE("bbolt file: a value larger than a page overflows into the next pages", "[bbolt]") {
  BboltBuckets b;
  b["key"] = {{"a", std::string(10000, 'x')}};
  const std::string f = write_bbolt(b);
  // meta, meta, freelist, the overflowing leaf (3 pages), the root bucket's leaf.
  CHECK(f.size() / 4096 == 7);
  CHECK(le(f, 3 * 4096 + 12, 4) == 2);  // overflow count
}

TEST_CASE("etcd snapshot file ends with the SHA-256 of the database before it", "[bbolt][snapshot]") {
  EtcdSnapshotInput in;
  in.applied_index = 7;
  const std::string f = etcd_snapshot_file(in);
  REQUIRE(f.size() % 4096 == 32);  // etcdctl restore tells a hash is there from this
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(f.data()), f.size() - 32, digest);
  CHECK(f.substr(f.size() - 32) == std::string(reinterpret_cast<const char*>(digest), 32));
}

TEST_CASE("bbolt file: what is written reads back, bucket by bucket, in key order", "[bbolt]") {
  BboltBuckets b;
  for (int i = 0; i < 5000; ++i) b["key"].emplace_back("k" + std::to_string(i), std::string(static_cast<std::size_t>(i % 700), 'v'));
  b["key"].emplace_back("huge", std::string(50000, 'h'));
  b["empty"];
  b["meta"] = {{"consistent_index", std::string(8, '\1')}};
  const std::string f = write_bbolt(b);
  std::string error;
  auto back = read_bbolt(f, error);
  INFO(error);
  REQUIRE(back);
  REQUIRE(back->size() == 3);
  auto want = b["key"];
  std::sort(want.begin(), want.end());
  CHECK((*back)["key"] == want);
  CHECK((*back)["empty"].empty());
  CHECK((*back)["meta"] == b["meta"]);
}

TEST_CASE("bbolt reader: damaged files are refused with a reason, never read past their end", "[bbolt]") {
  BboltBuckets b;
  for (int i = 0; i < 2000; ++i) b["key"].emplace_back("k" + std::to_string(i), std::string(100, 'v'));
  const std::string f = write_bbolt(b);
  std::string error;
  CHECK_FALSE(read_bbolt("", error));
  CHECK_FALSE(read_bbolt(std::string(8192, '\0'), error));
  CHECK(error.find("meta") != std::string::npos);
  // Cut short, or with bytes flipped at random: an error or a result, no crash.
  CHECK_FALSE(read_bbolt(f.substr(0, f.size() / 2), error));
  std::uint32_t seed = 7;
  for (int round = 0; round < 200; ++round) {
    std::string bad = f;
    for (int k = 0; k < 20; ++k) {
      seed = seed * 1664525u + 1013904223u;
      const std::size_t at = 2 * 4096 + (seed >> 8) % (bad.size() - 2 * 4096);
      bad[at] = static_cast<char>(seed & 0xFF);
    }
    error.clear();
    (void)read_bbolt(bad, error);
  }
}
