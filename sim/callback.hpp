// A move-only, type-erased callable with a small inline buffer, for the scheduler's events and for stored
// completion handlers (asio's handlers are move-only, and any_completion_handler cannot be stored in 1.81).
// Callables up to inline_size bytes never allocate: that is the common case on the hot path.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace pilesim::sim {

template <class Signature, std::size_t InlineSize = 56>
class callback;

template <class R, class... Args, std::size_t InlineSize>
class callback<R(Args...), InlineSize> {
 public:
  static constexpr std::size_t inline_size = InlineSize;

  callback() noexcept = default;

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, callback> && std::is_invocable_r_v<R, D&, Args...>>>
  callback(F&& f) {  // NOLINT: implicit on purpose, like std::function
    if constexpr (sizeof(D) <= inline_size && alignof(D) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &inline_ops<D>;
    } else {
      *reinterpret_cast<D**>(buf_) = new D(std::forward<F>(f));
      ops_ = &heap_ops<D>;
    }
  }

  callback(callback&& o) noexcept : ops_(o.ops_) {
    if (ops_) {
      ops_->move(o.buf_, buf_);
      o.ops_ = nullptr;
    }
  }

  callback& operator=(callback&& o) noexcept {
    if (this != &o) {
      reset();
      ops_ = o.ops_;
      if (ops_) {
        ops_->move(o.buf_, buf_);
        o.ops_ = nullptr;
      }
    }
    return *this;
  }

  callback(const callback&) = delete;
  callback& operator=(const callback&) = delete;
  ~callback() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  R operator()(Args... args) { return ops_->invoke(buf_, std::forward<Args>(args)...); }

  void reset() noexcept {
    if (ops_) {
      const ops* o = ops_;
      ops_ = nullptr;  // cleared first: destroying a handler may destroy a coroutine that touches this object
      o->destroy(buf_);
    }
  }

 private:
  struct ops {
    R (*invoke)(void*, Args&&...);
    void (*move)(void* from, void* to) noexcept;
    void (*destroy)(void*) noexcept;
  };

  template <class D>
  static constexpr ops inline_ops{
      [](void* p, Args&&... a) -> R { return (*static_cast<D*>(p))(std::forward<Args>(a)...); },
      [](void* from, void* to) noexcept {
        ::new (to) D(std::move(*static_cast<D*>(from)));
        static_cast<D*>(from)->~D();
      },
      [](void* p) noexcept { static_cast<D*>(p)->~D(); }};

  template <class D>
  static constexpr ops heap_ops{
      [](void* p, Args&&... a) -> R { return (**static_cast<D**>(p))(std::forward<Args>(a)...); },
      [](void* from, void* to) noexcept { *static_cast<D**>(to) = *static_cast<D**>(from); },
      [](void* p) noexcept { delete *static_cast<D**>(p); }};

  alignas(std::max_align_t) unsigned char buf_[inline_size];
  const ops* ops_ = nullptr;
};

}  // namespace pilesim::sim
