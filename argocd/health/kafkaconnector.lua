-- Argo CD health check for Strimzi 1.2 KafkaConnector (kafka.strimzi.io/v1), shipped by tenant-cdc.
--
-- argocd-cm keys (see docs/argocd-and-helm.md):
--   resource.customizations.health.kafka.strimzi.io_KafkaConnector: <this file>
--   resource.customizations.useOpenLibs.kafka.strimzi.io_KafkaConnector: "true"
-- Argo CD opens Lua's string library for a custom check only with useOpenLibs. Without it this check
-- gives the same verdicts, except that Connect's 409 (a rebalance) and an unreachable Connect reported
-- through a CompletionException count as Degraded, and its messages quote no stack trace.
-- Argo CD itself reports "Pending deletion" for a resource being deleted, before any script runs.
--
-- Written from (read, not copied):
--   strimzi/strimzi-kafka-operator, tag 1.2.0:
--     cluster-operator/.../assembly/KafkaConnectAssemblyOperator.java, maybeUpdateConnectorStatus: one Ready
--       condition, or NotReady (status "True") whose reason is the exception's simple class name ("Throwable"
--       when the connector or a task is FAILED); with strimzi.io/pause-reconciliation only ReconciliationPaused
--       and the old observedGeneration
--     cluster-operator/.../assembly/AbstractConnectOperator.java: updateState (spec.state), auto-restart with
--       back-off, connectorHasFailed/failedTaskIds, Warning conditions
--     cluster-operator/.../assembly/KafkaConnectApiImpl.java and KafkaConnectApi.java (ConnectRestException:
--       "<METHOD> <path> returned <code> (<code>): <message>"; 409 is retried, then reported)
--     operator-common/.../model/StatusUtils.java (conditions, observedGeneration, auto-restart counter)
--     api/.../connector/KafkaConnectorStatus.java, AutoRestartStatus.java, AutoRestart.java;
--     documentation/api/io.strimzi.api.kafka.model.connector.AutoRestart.adoc (back-off, maxRestarts)
--     packaging/install CRD 047-Crd-kafkaconnector.yaml (status schema), as generated into .cache/strimzi-1.2.0
--   Apache Kafka 4.3 Connect REST API, GET /connectors/<name>/status (connectorStatus): name, type,
--     connector {state, worker_id, trace, version}, tasks [{id, state, worker_id, trace, version}]
--   argoproj/argo-cd: resource_customizations/kafka.strimzi.io/KafkaConnector/health.lua (the built-in check
--     this replaces) and its testdata; util/lua/lua.go (obj as a Lua table, open libraries, result handling);
--     docs/operator-manual/health.md

-- The health of a connector that is not running on purpose: paused or stopped as its spec.state asks, or on a
-- Connect cluster scaled to 0 replicas. Argo CD's word for that is Suspended. Argo CD holds a sync with sync
-- waves (tenant-cdc's output has three) until each synced resource is Healthy or Degraded, so with Suspended a
-- sync that touches a paused tenant runs until someone terminates it (argoproj/argo-cd#29663, #24428).
-- ArgoCdHealthChecks({ pausedConnectorHealth: "Healthy" }) writes this line with "Healthy" for such Applications.
local PAUSED_CONNECTOR_HEALTH = "Suspended"

local TRACE_LINE_LIMIT = 200

-- The string library is there only when argocd-cm sets useOpenLibs for this kind.
local canReadText = type(string) == "table"

-- Reasons Strimzi gives when Kafka Connect's REST API cannot be reached: workers starting or rolling.
-- (The operator talks to Connect over HTTP only, so a ConnectException is java.net's.)
local UNREACHABLE_CONNECT = {
  ConnectException = true,
  ConnectTimeoutException = true,
  HttpConnectTimeoutException = true,
  HttpTimeoutException = true,
}

local function progressing(message) return { status = "Progressing", message = message } end
local function degraded(message) return { status = "Degraded", message = message } end
local function suspended(message) return { status = "Suspended", message = message } end
local function healthy(message) return { status = "Healthy", message = message } end

local function plural(count, noun)
  if count == 1 then return "1 " .. noun end
  return count .. " " .. noun .. "s"
end

local function conditionOfType(conditionType)
  for _, condition in ipairs(obj.status.conditions or {}) do
    if condition.type == conditionType then return condition end
  end
  return nil
end

local function shortened(line)
  if string.len(line) <= TRACE_LINE_LIMIT then return line end
  return string.sub(line, 1, TRACE_LINE_LIMIT) .. "..."
end

-- A Java stack trace's first line and its last "Caused by:" (the root cause, which is where Debezium's
-- "An exception occurred in the change event producer" says what actually went wrong).
local function traceSummary(trace)
  if trace == nil or not canReadText then return nil end
  local firstLine = string.match(trace, "^[^\n]*")
  local rootCause = nil
  for cause in string.gmatch(trace, "\nCaused by: ([^\n]*)") do rootCause = cause end
  if rootCause == nil or string.find(firstLine, rootCause, 1, true) ~= nil then return shortened(firstLine) end
  return shortened(firstLine) .. " (caused by " .. shortened(rootCause) .. ")"
end

-- Strimzi's reason is the exception's class; a CompletionException names the real one in its message.
local function failureOf(condition)
  local reason = condition.reason or "NotReady"
  local message = condition.message
  if reason == "CompletionException" and canReadText and message ~= nil then
    local className = string.match(message, "^[%w_$]+%.[%w_$%.]+")
    if className ~= nil then
      reason = string.match(className, "[%w_$]+$")
      message = string.match(message, "^[^:]*: (.*)$")
    end
  end
  return reason, message
end

-- Java's generic exception classes say nothing the message does not.
local GENERIC_REASONS = { Throwable = true, NoStackTraceThrowable = true, RuntimeException = true }

local function describeFailure(reason, message)
  if message == nil or message == "" then return reason end
  if GENERIC_REASONS[reason] then return message end
  return reason .. ": " .. message
end

local function isTransient(reason, message)
  if UNREACHABLE_CONNECT[reason] then return true end
  -- Connect answers 409 while its workers rebalance; Strimzi retries and reports it only when that lasts
  return canReadText and reason == "ConnectRestException" and message ~= nil
    and string.find(message, " returned 409 ", 1, true) ~= nil
end

local function autoRestartSettings()
  local spec = obj.spec or {}
  -- Strimzi's AutoRestart defaults enabled to true once the object is there
  local enabled = spec.autoRestart ~= nil and spec.autoRestart.enabled ~= false
  local maxRestarts = nil
  if enabled then maxRestarts = spec.autoRestart.maxRestarts end
  local count = 0
  if obj.status.autoRestart ~= nil and obj.status.autoRestart.count ~= nil then count = obj.status.autoRestart.count end
  return enabled, maxRestarts, count
end

local function autoRestartNote()
  local enabled, maxRestarts, count = autoRestartSettings()
  if not enabled then return "; auto-restart is off: restart it with the annotation strimzi.io/restart=true" end
  if maxRestarts ~= nil and count >= maxRestarts then
    return "; Strimzi gave up after " .. plural(count, "auto-restart") .. " (maxRestarts " .. maxRestarts .. "): restart it with the annotation strimzi.io/restart=true"
  end
  if count == 0 then return "; Strimzi restarts it on its next reconciliation" end
  return "; Strimzi auto-restarted it " .. plural(count, "time") .. " and tries again after its back-off"
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

-- What FAILED, with the cause from its trace; tasks that failed the same way are named together.
local function failedParts(connectorStatus)
  local failed = {}
  local connector = connectorStatus.connector
  if connector ~= nil and connector.state == "FAILED" then
    local summary = traceSummary(connector.trace)
    if summary == nil then table.insert(failed, "connector FAILED") else table.insert(failed, "connector FAILED: " .. summary) end
  end
  local summaries, taskIdsBySummary = {}, {}
  for _, task in ipairs(connectorStatus.tasks or {}) do
    if task.state == "FAILED" then
      local summary = traceSummary(task.trace) or ""
      if taskIdsBySummary[summary] == nil then
        taskIdsBySummary[summary] = {}
        table.insert(summaries, summary)
      end
      table.insert(taskIdsBySummary[summary], tostring(task.id))
    end
  end
  for _, summary in ipairs(summaries) do
    local taskIds = taskIdsBySummary[summary]
    local what = "task " .. taskIds[1] .. " FAILED"
    if #taskIds > 1 then what = "tasks " .. table.concat(taskIds, ", ") .. " FAILED" end
    if summary ~= "" then what = what .. ": " .. summary end
    table.insert(failed, what)
  end
  return failed
end

local function tasksNotIn(state, tasks)
  local others = {}
  for _, task in ipairs(tasks) do
    if task.state ~= state then table.insert(others, "task " .. tostring(task.id) .. " is " .. tostring(task.state)) end
  end
  return others
end

local function starting(what)
  local _, _, count = autoRestartSettings()
  if count > 0 then return progressing("Auto-restart " .. count .. " in progress: " .. what) end
  return progressing("Starting: " .. what)
end

-- Strimzi has not looked at this connector yet.
if obj.status == nil then
  return progressing("Waiting for Strimzi to reconcile the connector")
end

-- Unlike spec.state, this pause is an operator's: holding a sync is right, Strimzi would not apply it.
if conditionOfType("ReconciliationPaused") ~= nil then
  return suspended("Strimzi does not reconcile it while the annotation strimzi.io/pause-reconciliation is \"true\"")
end

-- Until Strimzi has seen the current spec, the status describes an older one.
local generation = obj.metadata.generation
local observedGeneration = obj.status.observedGeneration or 0
if generation ~= nil and observedGeneration < generation then
  return progressing("Waiting for Strimzi to reconcile generation " .. generation .. " (the status is of generation " .. observedGeneration .. ")")
end

local connectorStatus = obj.status.connectorStatus
if connectorStatus ~= nil then
  local failed = failedParts(connectorStatus)
  if #failed > 0 then return degraded(table.concat(failed, "; ") .. autoRestartNote()) end
end

-- Strimzi writes NotReady with status "True"; Ready "False" is the usual Kubernetes spelling of the same
local ready = conditionOfType("Ready")
local notReady = conditionOfType("NotReady")
local failing = nil
if notReady ~= nil and notReady.status == "True" then
  failing = notReady
elseif ready ~= nil and ready.status == "False" then
  failing = ready
end
if failing ~= nil then
  local reason, message = failureOf(failing)
  -- Strimzi's words for a connector whose Connect cluster has 0 replicas (KafkaConnectAssemblyOperator.zeroReplicas);
  -- built by concatenation, so it is recognised without the string library
  local cluster = (obj.metadata.labels or {})["strimzi.io/cluster"]
  if reason == "RuntimeException" and cluster ~= nil
    and message == "Kafka Connect cluster '" .. cluster .. "' in namespace " .. tostring(obj.metadata.namespace) .. " has 0 replicas." then
    return { status = PAUSED_CONNECTOR_HEALTH, message = "Not running: its Connect cluster " .. cluster .. " has 0 replicas, as its spec.replicas asks" }
  end
  if isTransient(reason, message) then
    return progressing(describeFailure(reason, message) .. "; Strimzi retries on its next reconciliation")
  end
  return degraded(describeFailure(reason, message))
end
if ready == nil or ready.status ~= "True" then
  return progressing("Waiting for Strimzi to report the connector Ready")
end

if connectorStatus == nil or connectorStatus.connector == nil then
  return progressing("Waiting for Kafka Connect to report the connector's state")
end

local state = connectorStatus.connector.state or "UNKNOWN"
local tasks = connectorStatus.tasks or {}
local desiredState = (obj.spec or {}).state or "running"

if desiredState == "paused" then
  local notPaused = tasksNotIn("PAUSED", tasks)
  if state ~= "PAUSED" then return progressing("Pausing: the connector is " .. state) end
  if #notPaused > 0 then return progressing("Pausing: " .. table.concat(notPaused, ", ")) end
  return { status = PAUSED_CONNECTOR_HEALTH, message = "Paused as spec.state asks" .. warningsNote() }
end

if desiredState == "stopped" then
  if state ~= "STOPPED" then return progressing("Stopping: the connector is " .. state) end
  return { status = PAUSED_CONNECTOR_HEALTH, message = "Stopped as spec.state asks; Connect keeps its configuration and offsets" .. warningsNote() }
end

if state ~= "RUNNING" then return starting("the connector is " .. state) end
if #tasks == 0 then return starting("the connector is RUNNING, its tasks are not started yet") end
local notRunning = tasksNotIn("RUNNING", tasks)
if #notRunning > 0 then return starting(table.concat(notRunning, ", ")) end

local message = "The connector and " .. plural(#tasks, "task") .. " are RUNNING"
if #tasks == 1 then message = "The connector and its task are RUNNING" end
local _, _, restarts = autoRestartSettings()
if restarts > 0 then
  message = message .. "; Strimzi auto-restarted it " .. plural(restarts, "time") .. " recently"
end
return healthy(message .. warningsNote())
