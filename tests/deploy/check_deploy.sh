#!/usr/bin/env bash
# Checks the shipped Prometheus and Alertmanager files with the real tools:
# the configs load, every alert passes its promtool unit tests, and the
# routing tree sends each severity where deploy/alertmanager/alertmanager.yml
# says.
set -euo pipefail
deploy="$(cd "$(dirname "$0")/../../deploy" && pwd)"

promtool check config "$deploy/prometheus/prometheus.yml"
promtool check rules "$deploy"/prometheus/rules/*.yml
(cd "$deploy/prometheus" && promtool test rules tests/*.test.yml)
amtool check-config "$deploy/alertmanager/alertmanager.yml"

# Every alert in the rules has a unit test and a runbook section.
alerts=$(grep -hoP '^\s+- alert: \K\w+' "$deploy"/prometheus/rules/*.yml | sort -u)
for alert in $alerts; do
  grep -q "alertname: $alert\$" "$deploy"/prometheus/tests/*.test.yml || { echo "no promtool test for $alert" >&2; exit 1; }
  grep -qi "^## $alert\$" "$deploy/../docs/runbooks.md" || { echo "no runbook section for $alert" >&2; exit 1; }
done

# The Kubernetes PrometheusRule is generated from the same rule files.
diff -u "$deploy/kubernetes/prometheusrule.yaml" <("$deploy/kubernetes/generate-prometheusrule.sh") \
  || { echo "deploy/kubernetes/prometheusrule.yaml is out of date: run generate-prometheusrule.sh" >&2; exit 1; }

route() {
  amtool config routes test --config.file="$deploy/alertmanager/alertmanager.yml" "$@"
}
expect_route() {
  local want=$1
  shift
  local got
  got=$(route "$@")
  [ "$got" = "$want" ] || { echo "route for $*: got '$got', want '$want'" >&2; exit 1; }
}
expect_route on-call severity=page alertname=SlamondDown
expect_route on-call severity=page alertname=SlamonAnswerBudgetBurningFast queue=sales channel=phone
expect_route operations severity=warning alertname=SlamonOldestWaitAboveThreshold queue=sales channel=phone
expect_route operations alertname=Unlabelled
echo "deploy files: OK ($(echo "$alerts" | wc -w) alerts tested and documented)"
