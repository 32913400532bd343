// luacheck runs an Argo CD resource health script on Kubernetes objects the way Argo CD does, with the
// interpreter Argo CD embeds (github.com/yuin/gopher-lua), so the scripts in argocd/health/ are tested
// against the real Lua 5.1 dialect, library set and value conversion rather than a stand-in.
//
//	luacheck -script argocd/health/kafkaconnector.lua [-open-libs] < objects.json
//	kubectl get kafkaconnector acme -o json | luacheck -script argocd/health/kafkaconnector.lua -open-libs
//
// Input: JSON objects one after the other (the live resources). Output: one JSON line per object,
// {"status": ..., "message": ...}, or {"error": ...} when the script fails (Argo CD then shows Unknown).
//
// What mirrors Argo CD (argoproj/argo-cd util/lua/lua.go, read, not copied):
//   - a fresh LState per object; without -open-libs (the default for a check from argocd-cm) only the
//     package, base and table libraries are open (Argo CD also opens a reduced os library, which these
//     scripts do not use, so a script that needs os fails here instead of passing by accident); with
//     -open-libs every library is open, as in Argo CD (which then swaps os for its reduced one);
//   - the object reaches the script as the global `obj`, converted the way Argo CD's decodeValue does:
//     numbers (int64 or float64 in an unstructured object) become Lua numbers, JSON null becomes nil, so a
//     null map entry is absent and a null array element is dropped (LTable.Append skips nil);
//   - a one-second execution limit;
//   - the value left on the stack must be a table; its status must be a known health status, else
//     Argo CD reports Unknown with "Lua returned an invalid health status"; nil or an empty table is no status.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The health statuses Argo CD accepts from a script (gitops-engine's health.HealthStatusCode).
var knownStatuses = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

type result struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

func main() {
	scriptPath := flag.String("script", "", "the health script (Lua)")
	openLibs := flag.Bool("open-libs", false, "open every standard library, as argocd-cm's resource.customizations.useOpenLibs.<group_kind>: \"true\" does")
	flag.Parse()
	if *scriptPath == "" {
		fmt.Fprintln(os.Stderr, "usage: luacheck -script FILE.lua [-open-libs] < objects.json")
		os.Exit(2)
	}
	script, err := os.ReadFile(*scriptPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	decoder := json.NewDecoder(bufio.NewReader(os.Stdin))
	decoder.UseNumber()
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetEscapeHTML(false)
	for {
		var object map[string]any
		if err := decoder.Decode(&object); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "reading objects:", err)
			os.Exit(2)
		}
		if err := encoder.Encode(evaluate(string(script), unstructuredNumbers(object).(map[string]any), *openLibs)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}

// unstructuredNumbers turns JSON numbers into what an unstructured object read from the API server
// holds: int64 for integers, float64 otherwise.
func unstructuredNumbers(value any) any {
	switch typed := value.(type) {
	case json.Number:
		if integer, err := typed.Int64(); err == nil {
			return integer
		}
		float, _ := typed.Float64()
		return float
	case []any:
		for i, item := range typed {
			typed[i] = unstructuredNumbers(item)
		}
	case map[string]any:
		for key, item := range typed {
			typed[key] = unstructuredNumbers(item)
		}
	}
	return value
}

func evaluate(script string, object map[string]any, openLibs bool) result {
	state := lua.NewState(lua.Options{SkipOpenLibs: !openLibs})
	defer state.Close()
	if !openLibs {
		// package first: the other libraries register themselves in its table of loaded modules
		for _, library := range []struct {
			name string
			open lua.LGFunction
		}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
			state.Push(state.NewFunction(library.open))
			state.Push(lua.LString(library.name))
			state.Call(1, 0)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	state.SetContext(ctx)
	state.SetGlobal("obj", toLua(state, object))
	if err := state.DoString(script); err != nil {
		return result{Error: err.Error()}
	}
	returned := state.Get(-1)
	switch returned.Type() {
	case lua.LTNil:
		return result{}
	case lua.LTTable:
		return healthOf(returned.(*lua.LTable))
	default:
		return result{Error: fmt.Sprintf("expect table output from Lua script, not %s", returned.Type())}
	}
}

// healthOf reads the returned table as Argo CD does (JSON-encoded, then decoded into a HealthStatus):
// status and message must be strings when present; an empty table encodes as [] and counts as no status.
func healthOf(table *lua.LTable) result {
	if key, _ := table.Next(lua.LNil); key == lua.LNil {
		return result{}
	}
	var health result
	for field, target := range map[string]*string{"status": &health.Status, "message": &health.Message} {
		switch value := table.RawGetString(field).(type) {
		case *lua.LNilType:
		case lua.LString:
			*target = string(value)
		default:
			return result{Error: fmt.Sprintf("%s is a %s, not a string", field, value.Type())}
		}
	}
	if !knownStatuses[health.Status] {
		return result{Status: "Unknown", Message: "Lua returned an invalid health status"}
	}
	return health
}

func toLua(state *lua.LState, value any) lua.LValue {
	switch typed := value.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(typed)
	case int64:
		return lua.LNumber(typed)
	case float64:
		return lua.LNumber(typed)
	case string:
		return lua.LString(typed)
	case []any:
		array := state.CreateTable(len(typed), 0)
		for _, item := range typed {
			array.Append(toLua(state, item))
		}
		return array
	case map[string]any:
		table := state.CreateTable(0, len(typed))
		for key, item := range typed {
			table.RawSetH(lua.LString(key), toLua(state, item))
		}
		return table
	}
	return lua.LNil
}
