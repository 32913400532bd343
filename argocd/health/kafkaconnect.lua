-- Argo CD health check for Strimzi 1.2 KafkaConnect (kafka.strimzi.io/v1), shipped by tenant-cdc.
--
-- argocd-cm key (see docs/argocd-and-helm.md):
--   resource.customizations.health.kafka.strimzi.io_KafkaConnect: <this file>
-- It needs no standard library beyond what Argo CD always opens (base, table).
--
-- Why not Argo CD's built-in check (resource_customizations/kafka.strimzi.io/KafkaConnect/health.lua), which
-- takes the first Ready or NotReady condition as the answer:
--   - Strimzi writes a KafkaConnect's status only when a reconciliation ends, after the rolling update of
--     the workers. Until then the status is the previous generation's, usually Ready, and the built-in check
--     says Healthy: Argo CD goes on to the next sync wave (tenant-cdc's connectors) while the workers roll.
--     This check is Progressing until observedGeneration reaches metadata.generation.
--   - With the annotation strimzi.io/pause-reconciliation Strimzi writes only a ReconciliationPaused
--     condition; the built-in check waits for a Ready that never comes (Progressing for ever). Here: Suspended.
--   - Scaled to 0 replicas (spec.replicas: 0), Strimzi reports Ready; nothing runs, on purpose. Healthy, as Argo CD
--     calls a Deployment scaled to 0: the KafkaConnect is in the first sync wave, and a Suspended one would hold
--     every later wave of every cluster in the sync (Argo CD waits for Healthy or Degraded). Its connectors say it.
--
-- Written from (read, not copied):
--   strimzi/strimzi-kafka-operator, tag 1.2.0:
--     cluster-operator/.../assembly/KafkaConnectAssemblyOperator.java, createOrUpdate: the status (Ready, or
--       NotReady with the exception's class as reason; observedGeneration, url, replicas) is set when the
--       whole reconciliation has finished
--     cluster-operator/.../assembly/AbstractOperator.java: the paused-reconciliation status
--     operator-common/.../model/StatusUtils.java; api/.../connect/KafkaConnectStatus.java
--     documentation/modules/operators/proc-pausing-reconciliation.adoc
--   argoproj/argo-cd: resource_customizations/kafka.strimzi.io/KafkaConnect/health.lua and its testdata,
--     util/lua/lua.go, docs/operator-manual/health.md

local function conditionOfType(conditionType)
  for _, condition in ipairs(obj.status.conditions or {}) do
    if condition.type == conditionType then return condition end
  end
  return nil
end

-- Java's generic exception classes say nothing the message does not.
local GENERIC_REASONS = { Throwable = true, NoStackTraceThrowable = true, RuntimeException = true }

local function describeFailure(reason, message)
  if message == nil or message == "" then return reason end
  if GENERIC_REASONS[reason] then return message end
  return reason .. ": " .. message
end

local function warningsNote()
  local warnings = {}
  for _, condition in ipairs(obj.status.conditions or {}) do
    if condition.type == "Warning" and condition.status == "True" then
      table.insert(warnings, describeFailure(condition.reason or "Warning", condition.message))
    end
  end
  if #warnings == 0 then return "" end
  return "; warning: " .. table.concat(warnings, "; warning: ")
end

if obj.status == nil then
  return { status = "Progressing", message = "Waiting for Strimzi to deploy the Kafka Connect cluster" }
end

if conditionOfType("ReconciliationPaused") ~= nil then
  return { status = "Suspended", message = "Strimzi does not reconcile it while the annotation strimzi.io/pause-reconciliation is \"true\"" }
end

-- Until Strimzi has rolled out the current spec, the status describes an older one.
local generation = obj.metadata.generation
local observedGeneration = obj.status.observedGeneration or 0
if generation ~= nil and observedGeneration < generation then
  return {
    status = "Progressing",
    message = "Waiting for Strimzi to roll out generation " .. generation .. " (the status is of generation " .. observedGeneration .. ")",
  }
end

local notReady = conditionOfType("NotReady")
if notReady ~= nil and notReady.status == "True" then
  return { status = "Degraded", message = describeFailure(notReady.reason or "NotReady", notReady.message) }
end

local ready = conditionOfType("Ready")
if ready ~= nil and ready.status == "True" then
  local replicas = obj.status.replicas or 0
  -- scaled to 0 on purpose: no worker runs, and Strimzi marks each of its connectors NotReady
  if replicas == 0 and (obj.spec or {}).replicas == 0 then
    return { status = "Healthy", message = "Scaled to 0 replicas as spec.replicas asks: none of its connectors runs" .. warningsNote() }
  end
  local message = "Ready with " .. replicas .. " replicas"
  if replicas == 1 then message = "Ready with 1 replica" end
  return { status = "Healthy", message = message .. warningsNote() }
end

return { status = "Progressing", message = "Waiting for Strimzi to report the Kafka Connect cluster Ready" }
