#include "storage/bbolt_reader.hpp"

#include <functional>
#include <set>

#include "storage/bbolt_format.hpp"

namespace acord::storage {
namespace {

using namespace bbolt;
constexpr int max_depth = 64;  // a B+tree deeper than this is a damaged file

class Reader {
 public:
  Reader(const std::string& f, std::size_t page_size) : f_(f), page_size_(page_size) {}

  // Visits the key/value elements under the page at byte offset `at` (a
  // page in the file, or an inline page inside a value), in key order.
  bool walk(std::size_t at, std::size_t limit, int depth,
            const std::function<bool(const std::string&, const std::string&, std::uint32_t)>& visit) {
    if (depth > max_depth) return fail("the B+tree is deeper than any real one");
    if (at + page_header_size > limit) return fail("a page lies past the end of the file");
    const auto flags = static_cast<std::uint16_t>(get_le(f_, at + 8, 2));
    const auto count = static_cast<std::size_t>(get_le(f_, at + 10, 2));
    const std::size_t end = std::min(limit, at + (get_le(f_, at + 12, 4) + 1) * page_size_);
    if (at + page_header_size + count * element_size > limit) return fail("a page's elements run past its end");
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t el = at + page_header_size + i * element_size;
      if (flags & leaf_page_flag) {
        const auto eflags = static_cast<std::uint32_t>(get_le(f_, el, 4));
        const std::size_t k = el + get_le(f_, el + 4, 4), ks = get_le(f_, el + 8, 4), vs = get_le(f_, el + 12, 4);
        // An inline page (inside a value) ends where the value ends.
        const std::size_t bound = limit == f_.size() ? end : limit;
        if (k + ks + vs > bound) return fail("a leaf element runs past its page");
        if (!visit(f_.substr(k, ks), f_.substr(k + ks, vs), eflags)) return false;
      } else if (flags & branch_page_flag) {
        const std::uint64_t child = get_le(f_, el + 8, 8);
        if ((child + 1) * page_size_ > f_.size()) return fail("a branch names a page past the end of the file");
        // A page reached twice is a cycle or a shared subtree: damage either way.
        if (!visited_.insert(child).second) return fail("a page is reached twice in the B+tree");
        if (!walk(child * page_size_, f_.size(), depth + 1, visit)) return false;
      } else {
        return fail("a bucket's tree holds a page that is neither branch nor leaf");
      }
    }
    return true;
  }

  // A bucket's elements, from the 16-byte header (root page, sequence) its
  // parent holds as the value, followed by its inline page when root is 0.
  bool bucket(const std::string& value, std::vector<std::pair<std::string, std::string>>& out) {
    if (value.size() < 16) return fail("a bucket header is too short");
    const std::uint64_t root = get_le(value, 0, 8);
    auto collect = [&](const std::string& k, const std::string& v, std::uint32_t flags) {
      if (!(flags & bucket_leaf_flag)) out.emplace_back(k, v);  // nested buckets: etcd has none
      return true;
    };
    if (root == 0) {
      Reader inline_reader(value, page_size_);
      if (!inline_reader.walk(16, value.size(), 0, collect)) return fail(inline_reader.error);
      return true;
    }
    if ((root + 1) * page_size_ > f_.size()) return fail("a bucket's root page is past the end of the file");
    return walk(root * page_size_, f_.size(), 0, collect);
  }

  bool fail(const std::string& why) {
    if (error.empty()) error = why;
    return false;
  }

  std::string error;

 private:
  const std::string& f_;
  std::size_t page_size_;
  std::set<std::uint64_t> visited_;
};

}  // namespace

std::optional<BboltBuckets> read_bbolt(const std::string& file, std::string& error) {
  // The meta pages: the first one tells the page size; the newer valid one wins.
  if (file.size() < 2 * page_header_size + 64) return error = "too short for a bbolt file", std::nullopt;
  const std::size_t page_size = get_le(file, page_header_size + 8, 4);
  if (page_size < 512 || page_size > (1u << 20) || file.size() < 2 * page_size) {
    return error = "not a bbolt file (no valid meta page)", std::nullopt;
  }
  std::optional<std::uint64_t> root;
  std::uint64_t best_txid = 0;
  for (std::size_t page = 0; page < 2; ++page) {
    const std::size_t at = page * page_size, m = at + page_header_size;
    if (!(get_le(file, at + 8, 2) & meta_page_flag) || get_le(file, m, 4) != magic || get_le(file, m + 4, 4) != 2) continue;
    if (get_le(file, m + 56, 8) != fnv64a(file.data() + m, meta_checksummed)) continue;
    const std::uint64_t txid = get_le(file, m + 48, 8);
    if (!root || txid > best_txid) {
      root = get_le(file, m + 16, 8);
      best_txid = txid;
    }
  }
  if (!root) return error = "not a bbolt file (no valid meta page)", std::nullopt;
  if ((*root + 1) * page_size > file.size()) return error = "the root bucket's page is past the end of the file", std::nullopt;
  Reader r(file, page_size);
  BboltBuckets out;
  const bool ok = r.walk(*root * page_size, file.size(), 0, [&](const std::string& name, const std::string& v,
                                                                  std::uint32_t flags) {
    if (!(flags & bucket_leaf_flag)) return true;  // a plain key in the root bucket: bbolt allows none
    return r.bucket(v, out[name]);
  });
  if (!ok) return error = r.error, std::nullopt;
  return out;
}

}  // namespace acord::storage
