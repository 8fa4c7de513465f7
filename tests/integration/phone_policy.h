// The one-policy configuration most end-to-end tests run slamond with, and
// the label sets of its queue: shared by the test files that check its
// figures.
#ifndef SLAMON_TESTS_INTEGRATION_PHONE_POLICY_H_
#define SLAMON_TESTS_INTEGRATION_PHONE_POLICY_H_

namespace slamon {

// Phone contacts answered within 20 s for 80 %, abandons under 5 s not counted.
inline constexpr char kPhoneConfig[] = R"(
policies:
  - name: phone
    match: { channel: phone }
    objectives:
      answer: { threshold: 20s, short_abandon: 5s, goal: 0.8, formula: short_abandons_excluded }
)";

inline constexpr char kSales[] = R"(queue="sales",channel="phone")";
inline constexpr char kSalesPolicy[] = R"(queue="sales",channel="phone",policy="phone")";

}  // namespace slamon

#endif  // SLAMON_TESTS_INTEGRATION_PHONE_POLICY_H_
