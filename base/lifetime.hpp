// Work that may outlive the object it calls into: a timer's handler, a post
// to the loop, the answer to a request, a callback that may destroy its
// caller. The object keeps a Lifetime; what it hands out is guarded by it
// and does nothing once the Lifetime is gone, or ended, or renewed.
//
// base/ is std only, so every room may use it, cuse/ and sim/ included.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace ipmi::base {

class Lifetime
{
  public:
    // Asks, later, whether the Lifetime it came from is still the same one.
    class Witness
    {
      public:
        [[nodiscard]] bool alive() const { return !token_.expired(); }
        explicit operator bool() const { return alive(); }

      private:
        friend class Lifetime;
        explicit Witness(std::weak_ptr<const void> token) : token_(std::move(token)) {}
        std::weak_ptr<const void> token_;
    };

    Lifetime() = default;
    // Guards point at their owner: neither may be copied or moved.
    Lifetime(const Lifetime&) = delete;
    Lifetime& operator=(const Lifetime&) = delete;

    [[nodiscard]] Witness witness() const { return Witness(token_); }

    // `fn`, to be called only while this Lifetime lives as it is now. The
    // guard may be made on another thread as long as end() and renew() are
    // not called meanwhile; it must be called where they are.
    template <typename Fn>
    [[nodiscard]] auto guard(Fn fn) const
    {
        return [alive = witness(), fn = std::move(fn)](auto&&... args) mutable {
            static_assert(std::is_void_v<decltype(fn(std::forward<decltype(args)>(args)...))>,
                          "a guarded call may not happen: it cannot return a value");
            if (alive) {
                fn(std::forward<decltype(args)>(args)...);
            }
        };
    }

    // Everything guarded or witnessed so far is dead from now on.
    void end() { token_.reset(); }
    // As end(), and what is guarded from now on lives (a new generation).
    void renew() { token_ = std::make_shared<const char>(); }
    [[nodiscard]] bool ended() const { return token_ == nullptr; }

  private:
    std::shared_ptr<const void> token_ = std::make_shared<const char>();
};

} // namespace ipmi::base
