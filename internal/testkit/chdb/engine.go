package chdb

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// api holds the libchdb.so functions this package calls, bound with purego
// (no cgo). Signatures follow chdb.h of chDB 26.7.
type api struct {
	setSignalHandlersEnabled func(enabled int32)
	connect                  func(argc int32, argv **byte) *unsafe.Pointer
	closeConn                func(conn *unsafe.Pointer)
	queryN                   func(conn unsafe.Pointer, query *byte, queryLen uintptr, format *byte, formatLen uintptr) unsafe.Pointer
	resultBuffer             func(result unsafe.Pointer) *byte
	resultLength             func(result unsafe.Pointer) uintptr
	resultError              func(result unsafe.Pointer) *byte
	destroyQueryResult       func(result unsafe.Pointer)
	streamInsertN            func(conn unsafe.Pointer, query *byte, queryLen uintptr, format *byte, formatLen uintptr) unsafe.Pointer
	streamAppend             func(stream unsafe.Pointer, data *byte, n uintptr) int32
	streamDone               func(stream unsafe.Pointer) unsafe.Pointer
	streamInsertError        func(stream unsafe.Pointer) *byte
	destroyInsertStream      func(stream unsafe.Pointer)
}

// engine is the process's one chDB engine: the library, the data directory
// it booted on and a connection held open for the life of the process,
// because closing the last connection shuts the engine down and chDB
// advises against booting it twice in a process.
type engine struct {
	libPath string
	dataDir string
	api     api
	keeper  *unsafe.Pointer
}

var (
	engineMu sync.Mutex
	theEng   *engine
)

// startEngine returns the process's engine, loading libPath and booting it
// on dataDir the first time. Later calls must name the same library and
// directory.
func startEngine(libPath, dataDir string) (*engine, error) {
	libPath, err := filepath.Abs(libPath)
	if err != nil {
		return nil, fmt.Errorf("start chdb: %w", err)
	}
	dataDir, err = filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("start chdb: %w", err)
	}
	engineMu.Lock()
	defer engineMu.Unlock()
	if theEng != nil {
		if theEng.libPath != libPath || theEng.dataDir != dataDir {
			return nil, fmt.Errorf("start chdb on %s with %s: %w (running: %s with %s)",
				dataDir, libPath, ErrEngineInUse, theEng.dataDir, theEng.libPath)
		}
		return theEng, nil
	}
	e := &engine{libPath: libPath, dataDir: dataDir}
	if err := e.load(); err != nil {
		return nil, fmt.Errorf("start chdb: load %s: %w", libPath, err)
	}
	// Go owns the process's signals; chDB must not install handlers.
	e.api.setSignalHandlersEnabled(0)
	keeper, err := e.connect(nil)
	if err != nil {
		return nil, fmt.Errorf("start chdb on %s: %w", dataDir, err)
	}
	e.keeper = keeper
	theEng = e
	return e, nil
}

func (e *engine) load() (err error) {
	lib, err := purego.Dlopen(e.libPath, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return err
	}
	// RegisterLibFunc panics on a missing symbol; report it as an error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bind libchdb functions: %v", r)
		}
	}()
	a := &e.api
	purego.RegisterLibFunc(&a.setSignalHandlersEnabled, lib, "chdb_set_signal_handlers_enabled")
	purego.RegisterLibFunc(&a.connect, lib, "chdb_connect")
	purego.RegisterLibFunc(&a.closeConn, lib, "chdb_close_conn")
	purego.RegisterLibFunc(&a.queryN, lib, "chdb_query_n")
	purego.RegisterLibFunc(&a.resultBuffer, lib, "chdb_result_buffer")
	purego.RegisterLibFunc(&a.resultLength, lib, "chdb_result_length")
	purego.RegisterLibFunc(&a.resultError, lib, "chdb_result_error")
	purego.RegisterLibFunc(&a.destroyQueryResult, lib, "chdb_destroy_query_result")
	purego.RegisterLibFunc(&a.streamInsertN, lib, "chdb_stream_insert_n")
	purego.RegisterLibFunc(&a.streamAppend, lib, "chdb_stream_append")
	purego.RegisterLibFunc(&a.streamDone, lib, "chdb_stream_done")
	purego.RegisterLibFunc(&a.streamInsertError, lib, "chdb_stream_insert_error")
	purego.RegisterLibFunc(&a.destroyInsertStream, lib, "chdb_destroy_insert_stream")
	return nil
}

// connect opens a connection (a session) to the engine's data directory.
// extra are further arguments, such as --session_timezone=UTC, which chDB
// applies to this connection only.
func (e *engine) connect(extra []string) (*unsafe.Pointer, error) {
	args := append([]string{"clickhouse", "--path=" + e.dataDir}, extra...)
	bufs := make([][]byte, len(args))
	argv := make([]*byte, len(args))
	for i, a := range args {
		bufs[i] = append([]byte(a), 0)
		argv[i] = &bufs[i][0]
	}
	c := e.api.connect(int32(len(argv)), &argv[0])
	runtime.KeepAlive(bufs)
	runtime.KeepAlive(argv)
	if c == nil || *c == nil {
		return nil, fmt.Errorf("chdb_connect(%q) failed", args)
	}
	return c, nil
}

func (e *engine) close(c *unsafe.Pointer) {
	e.api.closeConn(c)
}

// query runs one statement on connection c, returning the output copied
// into Go memory, or the engine's error.
func (e *engine) query(c *unsafe.Pointer, query []byte, format string) ([]byte, error) {
	if len(query) == 0 {
		query = []byte{' '}
	}
	f := []byte(format)
	res := e.api.queryN(*c, &query[0], uintptr(len(query)), &f[0], uintptr(len(f)))
	runtime.KeepAlive(query)
	runtime.KeepAlive(f)
	if res == nil {
		return nil, fmt.Errorf("chdb_query_n returned no result")
	}
	defer e.api.destroyQueryResult(res)
	if msg := e.api.resultError(res); msg != nil {
		return nil, parseError(cString(msg))
	}
	n := e.api.resultLength(res)
	buf := e.api.resultBuffer(res)
	if n == 0 || buf == nil {
		return nil, nil
	}
	out := make([]byte, n)
	copy(out, unsafe.Slice(buf, n))
	return out, nil
}

// cString copies a NUL-terminated C string.
func cString(p *byte) string {
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}

// insertChunk is how much encoded data insert hands the engine per call.
const insertChunk = 1 << 20

// insert runs a streaming INSERT on connection c: query is the statement
// without FORMAT or data, data is encoded in format. Inline data after
// FORMAT in an ordinary query is not safe for binary formats: the engine
// ends it at the first empty line ("\n\n"), silently dropping the rest.
func (e *engine) insert(c *unsafe.Pointer, query, format string, data []byte) error {
	q, f := []byte(query), []byte(format)
	s := e.api.streamInsertN(*c, &q[0], uintptr(len(q)), &f[0], uintptr(len(f)))
	runtime.KeepAlive(q)
	runtime.KeepAlive(f)
	if s == nil {
		return fmt.Errorf("chdb_stream_insert_n returned no stream")
	}
	defer e.api.destroyInsertStream(s)
	if msg := e.api.streamInsertError(s); msg != nil {
		return parseError(cString(msg))
	}
	for len(data) > 0 {
		n := min(len(data), insertChunk)
		st := e.api.streamAppend(s, &data[0], uintptr(n))
		runtime.KeepAlive(data)
		if st != 0 {
			if msg := e.api.streamInsertError(s); msg != nil {
				return parseError(cString(msg))
			}
			return fmt.Errorf("chdb_stream_append failed")
		}
		data = data[n:]
	}
	res := e.api.streamDone(s)
	if res == nil {
		return fmt.Errorf("chdb_stream_done returned no result")
	}
	defer e.api.destroyQueryResult(res)
	if msg := e.api.resultError(res); msg != nil {
		return parseError(cString(msg))
	}
	if msg := e.api.streamInsertError(s); msg != nil {
		return parseError(cString(msg))
	}
	return nil
}
