// A workaround for CAF 0.17's OpenSSL module, which leaves OpenSSL's
// per-thread error queue as a failed handshake left it (it drains the queue
// only in log statements that Debian's build compiles out). OpenSSL's
// SSL_get_error reports SSL_ERROR_SSL whenever the queue holds an error, so
// after one peer fails its handshake (a certificate another CA signed), every
// other TLS link on the same I/O thread reads an ordinary "want more data" as
// a failure and is closed: one bad peer cut the good ones off each other.
//
// The executable defines the TLS I/O calls the libraries make (the dynamic
// linker binds their calls here) and clears the thread's queue before passing
// each on to OpenSSL's own, as OpenSSL asks of callers that inspect
// SSL_get_error. gRPC's calls pass through here too; clearing first is what
// gRPC does itself.
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {
template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}
}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto next = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return next(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto next = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return next(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static const auto next = real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return next(ssl);
}

int SSL_connect(SSL* ssl) {
  static const auto next = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return next(ssl);
}

}  // extern "C"
