/* The byte-level loops of logsleuth in C: optional, each one the exact twin of a pure-Python
 * function in logsleuth/speedups.py (tests/test_speedups.py compares them on hostile input).
 *
 *   strip_controls(chunk)            ANSI colour/cursor codes and CRs out of a chunk
 *   cut_long_lines(chunk, width)     every line cut at width bytes, and how to map back
 *   HitList()                        the scan's match callback, keeping (end, rule id) pairs
 *   map_hits(chunk, hits, make)      (end, rule id) hits -> one `make` tuple per line, line count
 *   console_prefix(line)             the groups of envelope._CONSOLE_START's match, or None
 *   digit_run(text, n)               whether text holds n ASCII digits in a row
 *
 * The byte loops run without the GIL on large chunks (the bytes objects are immutable and
 * held by the caller). No third-party build dependency: only Python.h.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#define ESC 0x1b
#define BEL 0x07
#define NOGIL_BYTES (64 * 1024)   /* below this, releasing the GIL costs more than it gives */

/* ---------------------------------------------------------------- strip_controls */

/* End of the ANSI code starting at s[i] (an ESC), or -1: the bytes regex
 * \x1b(?:\[[0-9;?]*[A-Za-z]|\][^\x07\n]*\x07). `osc_fails_before` remembers where the last
 * failed OSC scan stopped (a newline or the end): any OSC starting before it fails too,
 * which keeps a line full of unterminated OSC starts linear. */
static Py_ssize_t
ansi_code_end(const unsigned char *s, Py_ssize_t n, Py_ssize_t i, Py_ssize_t *osc_fails_before)
{
    if (i + 1 >= n)
        return -1;
    Py_ssize_t j = i + 2;
    if (s[i + 1] == '[') {
        while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';' || s[j] == '?'))
            j++;
        if (j < n && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z')))
            return j + 1;
        return -1;
    }
    if (s[i + 1] == ']') {
        if (i < *osc_fails_before)
            return -1;
        while (j < n && s[j] != BEL && s[j] != '\n')
            j++;
        if (j < n && s[j] == BEL)
            return j + 1;
        *osc_fails_before = j;
        return -1;
    }
    return -1;
}

/* Copy s[from:to] to out without its CRs; returns the new end of out. */
static unsigned char *
copy_without_cr(unsigned char *out, const unsigned char *s, Py_ssize_t from, Py_ssize_t to)
{
    while (from < to) {
        const unsigned char *cr = memchr(s + from, '\r', (size_t)(to - from));
        Py_ssize_t stop = cr ? cr - s : to;
        memcpy(out, s + from, (size_t)(stop - from));
        out += stop - from;
        from = stop + 1;
    }
    return out;
}

static Py_ssize_t
strip_into(const unsigned char *s, Py_ssize_t n, unsigned char *out)
{
    unsigned char *w = out;
    Py_ssize_t done = 0, scan = 0, osc_fails_before = 0;
    while (scan < n) {
        const unsigned char *esc = memchr(s + scan, ESC, (size_t)(n - scan));
        if (esc == NULL)
            break;
        Py_ssize_t at = esc - s;
        Py_ssize_t end = ansi_code_end(s, n, at, &osc_fails_before);
        if (end < 0) {
            scan = at + 1;
            continue;
        }
        w = copy_without_cr(w, s, done, at);
        done = scan = end;
    }
    w = copy_without_cr(w, s, done, n);
    return w - out;
}

static PyObject *
strip_controls(PyObject *Py_UNUSED(module), PyObject *chunk)
{
    if (!PyBytes_Check(chunk)) {
        PyErr_Format(PyExc_TypeError, "strip_controls() wants bytes, not %.100s",
                     Py_TYPE(chunk)->tp_name);
        return NULL;
    }
    const unsigned char *s = (const unsigned char *)PyBytes_AS_STRING(chunk);
    Py_ssize_t n = PyBytes_GET_SIZE(chunk);
    if (memchr(s, ESC, (size_t)n) == NULL && memchr(s, '\r', (size_t)n) == NULL)
        return Py_NewRef(chunk);
    PyObject *result = PyBytes_FromStringAndSize(NULL, n);
    if (result == NULL)
        return NULL;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
    Py_ssize_t size;
    if (n >= NOGIL_BYTES) {
        Py_BEGIN_ALLOW_THREADS
        size = strip_into(s, n, out);
        Py_END_ALLOW_THREADS
    }
    else {
        size = strip_into(s, n, out);
    }
    if (_PyBytes_Resize(&result, size) < 0)
        return NULL;
    return result;
}

/* ---------------------------------------------------------------- cut_long_lines */

/* Copy the chunk to out with every line cut at `width` bytes, appending each cut's position
 * in the output and the bytes removed up to it to the two lists; returns the output size,
 * or -1 with an exception. */
static Py_ssize_t
cut_into(const unsigned char *s, Py_ssize_t n, Py_ssize_t width, unsigned char *out,
         PyObject *cuts, PyObject *removed_total)
{
    Py_ssize_t line = 0, done = 0, removed = 0, written = 0;
    while (line <= n) {
        const unsigned char *nl = line < n ? memchr(s + line, '\n', (size_t)(n - line)) : NULL;
        Py_ssize_t end = nl ? nl - s : n;
        if (end - line >= width) {
            Py_ssize_t cut = line + width;
            memcpy(out + written, s + done, (size_t)(cut - done));
            written += cut - done;
            PyObject *at = PyLong_FromSsize_t(cut - removed);
            removed += end - cut;
            PyObject *total = PyLong_FromSsize_t(removed);
            int failed = at == NULL || total == NULL || PyList_Append(cuts, at) < 0
                         || PyList_Append(removed_total, total) < 0;
            Py_XDECREF(at);
            Py_XDECREF(total);
            if (failed)
                return -1;
            done = end;
        }
        if (nl == NULL)
            break;
        line = end + 1;
    }
    memcpy(out + written, s + done, (size_t)(n - done));
    return written + n - done;
}

static PyObject *
cut_long_lines(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t width;
    if (nargs != 2 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "cut_long_lines(chunk, width) wants bytes and an int");
        return NULL;
    }
    if ((width = PyLong_AsSsize_t(args[1])) == -1 && PyErr_Occurred())
        return NULL;
    if (width < 1) {
        PyErr_SetString(PyExc_ValueError, "cut_long_lines() wants a width of at least 1");
        return NULL;
    }
    PyObject *chunk = args[0];
    Py_ssize_t n = PyBytes_GET_SIZE(chunk);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n);
    PyObject *cuts = PyList_New(0), *removed = PyList_New(0);
    Py_ssize_t size = -1;
    if (out != NULL && cuts != NULL && removed != NULL)
        size = cut_into((const unsigned char *)PyBytes_AS_STRING(chunk), n, width,
                        (unsigned char *)PyBytes_AS_STRING(out), cuts, removed);
    if (size >= 0 && PyList_GET_SIZE(cuts) == 0)
        Py_SETREF(out, Py_NewRef(chunk));
    else if (size >= 0 && _PyBytes_Resize(&out, size) < 0)
        size = -1;                                /* _PyBytes_Resize freed out */
    if (size < 0) {
        Py_XDECREF(out);
        Py_XDECREF(cuts);
        Py_XDECREF(removed);
        return NULL;
    }
    return Py_BuildValue("(NNN)", out, cuts, removed);
}

/* ---------------------------------------------------------------- HitList */

/* The scan's match callback: Hyperscan's binding calls it with (rule id, start, end, flags,
 * context) for every match, and it keeps each (end, rule id) in a C array that map_hits
 * reads as it is, with no Python frame, tuple or list append per match. As a sequence it
 * gives the pairs as tuples, like the list the pure-Python twin is. */
typedef struct {
    Py_ssize_t end;
    long long rule;
} Pair;

typedef struct {
    PyObject_HEAD
    Py_ssize_t count, capacity;
    Pair *pairs;
} HitList;

static PyObject *
hitlist_call(PyObject *self, PyObject *args, PyObject *kwargs)
{
    HitList *list = (HitList *)self;
    if (kwargs != NULL || !PyTuple_Check(args) || PyTuple_GET_SIZE(args) != 5
            || !PyLong_Check(PyTuple_GET_ITEM(args, 0)) || !PyLong_Check(PyTuple_GET_ITEM(args, 2))) {
        PyErr_SetString(PyExc_TypeError, "HitList(rule id, start, end, flags, context) wants ints");
        return NULL;
    }
    long long rule = PyLong_AsLongLong(PyTuple_GET_ITEM(args, 0));
    Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(args, 2));
    if ((rule == -1 || end == -1) && PyErr_Occurred())
        return NULL;
    if (list->count == list->capacity) {
        Py_ssize_t capacity = list->capacity ? 2 * list->capacity : 256;
        Pair *pairs = PyMem_Resize(list->pairs, Pair, (size_t)capacity);
        if (pairs == NULL)
            return PyErr_NoMemory();
        list->pairs = pairs;
        list->capacity = capacity;
    }
    list->pairs[list->count++] = (Pair){end, rule};
    Py_RETURN_NONE;
}

static Py_ssize_t
hitlist_length(PyObject *self)
{
    return ((HitList *)self)->count;
}

static PyObject *
hitlist_item(PyObject *self, Py_ssize_t i)
{
    HitList *list = (HitList *)self;
    if (i < 0 || i >= list->count) {
        PyErr_SetString(PyExc_IndexError, "HitList index out of range");
        return NULL;
    }
    return Py_BuildValue("(nL)", list->pairs[i].end, list->pairs[i].rule);
}

static void
hitlist_dealloc(PyObject *self)
{
    PyMem_Free(((HitList *)self)->pairs);
    Py_TYPE(self)->tp_free(self);
}

static PySequenceMethods hitlist_sequence = {
    .sq_length = hitlist_length,
    .sq_item = hitlist_item,
};

static PyTypeObject HitListType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "logsleuth._speedups.HitList",
    .tp_doc = "The scan's match callback: keeps each (end, rule id), a sequence of them.",
    .tp_basicsize = sizeof(HitList),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = hitlist_dealloc,
    .tp_call = hitlist_call,
    .tp_as_sequence = &hitlist_sequence,
};

/* ---------------------------------------------------------------- map_hits */

typedef struct {
    Py_ssize_t pos;       /* the hit's last byte: max(end - 1, 0) */
    long long rule;
} Hit;

typedef struct {
    Py_ssize_t index, start, end;
    Py_ssize_t first_hit, stop_hit;     /* its hits: hits[first_hit:stop_hit] */
} Line;

static int
hit_order(const void *a, const void *b)
{
    const Hit *x = a, *y = b;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return (x->rule > y->rule) - (x->rule < y->rule);
}

/* Newlines in s[from:to], in blocks of 255 bytes with a byte-wide count each (which the
 * compiler turns into vector compares; a count as wide as Py_ssize_t is 4x slower). */
static Py_ssize_t
count_newlines(const unsigned char *s, Py_ssize_t from, Py_ssize_t to)
{
    Py_ssize_t count = 0;
    while (from < to) {
        Py_ssize_t stop = to - from > 255 ? from + 255 : to;
        unsigned char block = 0;
        for (Py_ssize_t i = from; i < stop; i++)
            block += s[i] == '\n';
        count += block;
        from = stop;
    }
    return count;
}

/* The lines the sorted hits fall on, exactly as scan.py's loop finds them; returns the
 * number of lines written to `lines` and sets *newlines to the chunk's newline count. */
static Py_ssize_t
lines_of_hits(const unsigned char *s, Py_ssize_t n, Hit *hits, Py_ssize_t count,
              Line *lines, Py_ssize_t *newlines)
{
    Py_ssize_t made = 0, line_start = -1, line_end = -1, line_index = 0, counted_to = 0;
    for (Py_ssize_t k = 1; k < count; k++) {
        if (hit_order(&hits[k - 1], &hits[k]) > 0) {
            qsort(hits, (size_t)count, sizeof(Hit), hit_order);
            break;
        }
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        Py_ssize_t pos = hits[k].pos;
        if (pos < line_end)
            continue;
        if (made > 0)
            lines[made - 1].stop_hit = k;
        line_start = pos < n ? pos : n;           /* rfind("\n", 0, pos) + 1 */
        while (line_start > 0 && s[line_start - 1] != '\n')
            line_start--;
        const unsigned char *nl = pos < n ? memchr(s + pos, '\n', (size_t)(n - pos)) : NULL;
        line_end = nl ? nl - s : n;
        line_index += count_newlines(s, counted_to, line_start);
        counted_to = line_start;
        lines[made++] = (Line){line_index, line_start, line_end, k, count};
    }
    *newlines = line_index + count_newlines(s, counted_to, n);
    return made;
}

/* A HitList's pairs as Hits; -1 with an exception on an end outside the chunk. */
static int
read_hit_list(const HitList *list, Py_ssize_t n, Hit *hits)
{
    for (Py_ssize_t k = 0; k < list->count; k++) {
        Py_ssize_t end = list->pairs[k].end;
        if (end < 0 || end > n) {
            PyErr_Format(PyExc_ValueError, "hit end %zd outside the chunk (0..%zd)", end, n);
            return -1;
        }
        hits[k] = (Hit){end > 0 ? end - 1 : 0, list->pairs[k].rule};
    }
    return 0;
}

/* The hits list as C structs; -1 with an exception on anything but (int, int) pairs whose
 * end lies within the chunk. */
static int
read_hits(PyObject *seq, Py_ssize_t n, Hit *hits)
{
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *pair = items[k];
        /* ints only: an __index__ method could run code that changes the list under us */
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2
                || !PyLong_Check(PyTuple_GET_ITEM(pair, 0)) || !PyLong_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "map_hits() wants (end, rule id) tuples of ints");
            return -1;
        }
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 0));
        long long rule = PyLong_AsLongLong(PyTuple_GET_ITEM(pair, 1));
        if ((end == -1 || rule == -1) && PyErr_Occurred())
            return -1;
        if (end < 0 || end > n) {
            PyErr_Format(PyExc_ValueError, "hit end %zd outside the chunk (0..%zd)", end, n);
            return -1;
        }
        hits[k] = (Hit){end > 0 ? end - 1 : 0, rule};
    }
    return 0;
}

/* The frozensets of rule ids made in one call, by their sorted ids: the same few sets come
 * back line after line, and one object each spares allocations (and the collector). */
#define SET_MEMO_RULES 4
#define SET_MEMO_SIZE 32

typedef struct {
    int size;
    long long rules[SET_MEMO_RULES];
    PyObject *set;
} SetMemo;

typedef struct {
    SetMemo entries[SET_MEMO_SIZE];
    int used;
} SetMemos;

/* The line's distinct rule ids, sorted, into ids; their number, or -1 when more than fit. */
static int
distinct_rules(const Line *line, const Hit *hits, long long *ids)
{
    int size = 0;
    for (Py_ssize_t k = line->first_hit; k < line->stop_hit; k++) {
        int at = 0;
        while (at < size && ids[at] < hits[k].rule)
            at++;
        if (at < size && ids[at] == hits[k].rule)
            continue;
        if (size == SET_MEMO_RULES)
            return -1;
        memmove(&ids[at + 1], &ids[at], sizeof(long long) * (size_t)(size - at));
        ids[at] = hits[k].rule;
        size++;
    }
    return size;
}

static PyObject *
new_rule_set(const Line *line, const Hit *hits)
{
    PyObject *rules = PyFrozenSet_New(NULL);
    if (rules == NULL)
        return NULL;
    for (Py_ssize_t k = line->first_hit; k < line->stop_hit; k++) {
        PyObject *rule = PyLong_FromLongLong(hits[k].rule);
        if (rule == NULL || PySet_Add(rules, rule) < 0) {
            Py_XDECREF(rule);
            Py_DECREF(rules);
            return NULL;
        }
        Py_DECREF(rule);
    }
    return rules;
}

/* A new reference to the frozenset of the line's rule ids, from the memo when it is there. */
static PyObject *
rule_set(const Line *line, const Hit *hits, SetMemos *memos)
{
    long long ids[SET_MEMO_RULES];
    int size = distinct_rules(line, hits, ids);
    for (int m = 0; size > 0 && m < memos->used; m++) {
        SetMemo *memo = &memos->entries[m];
        if (memo->size == size && memcmp(memo->rules, ids, sizeof(long long) * (size_t)size) == 0)
            return Py_NewRef(memo->set);
    }
    PyObject *rules = new_rule_set(line, hits);
    if (rules != NULL && size > 0 && memos->used < SET_MEMO_SIZE) {
        SetMemo *memo = &memos->entries[memos->used++];
        memo->size = size;
        memcpy(memo->rules, ids, sizeof(long long) * (size_t)size);
        memo->set = Py_NewRef(rules);
    }
    return rules;
}

/* One `make` tuple (index, start, end, frozenset of rule ids): `make` is a tuple subclass
 * without extra storage (scan.Candidate), filled like a tuple. */
static PyObject *
line_record(PyTypeObject *make, const Line *line, const Hit *hits, SetMemos *memos)
{
    PyObject *rules = rule_set(line, hits, memos);
    if (rules == NULL)
        return NULL;
    PyObject *record = make->tp_alloc(make, 4);
    if (record == NULL) {
        Py_DECREF(rules);
        return NULL;
    }
    Py_ssize_t numbers[3] = {line->index, line->start, line->end};
    for (int i = 0; i < 3; i++) {
        PyObject *number = PyLong_FromSsize_t(numbers[i]);
        if (number == NULL) {
            Py_DECREF(rules);
            Py_DECREF(record);
            return NULL;
        }
        PyTuple_SET_ITEM(record, i, number);
    }
    PyTuple_SET_ITEM(record, 3, rules);
    return record;
}

static PyObject *
records_of(PyTypeObject *make, const Line *lines, Py_ssize_t made, const Hit *hits,
           Py_ssize_t newlines)
{
    SetMemos memos = {.used = 0};
    PyObject *list = PyList_New(made);
    for (Py_ssize_t i = 0; list != NULL && i < made; i++) {
        PyObject *record = line_record(make, &lines[i], hits, &memos);
        if (record == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, i, record);
    }
    for (int m = 0; m < memos.used; m++)
        Py_DECREF(memos.entries[m].set);
    return list == NULL ? NULL : Py_BuildValue("(Nn)", list, newlines);
}

static int
is_plain_tuple_type(PyObject *make)
{
    if (!PyType_Check(make) || !PyType_IsSubtype((PyTypeObject *)make, &PyTuple_Type))
        return 0;
    PyTypeObject *type = (PyTypeObject *)make;
    return type->tp_basicsize == PyTuple_Type.tp_basicsize
        && type->tp_itemsize == PyTuple_Type.tp_itemsize;
}

static PyObject *
map_hits(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "map_hits(chunk, hits, make) takes 3 arguments");
        return NULL;
    }
    PyObject *chunk = args[0], *make = args[2];
    if (!PyBytes_Check(chunk) || !is_plain_tuple_type(make)) {
        PyErr_SetString(PyExc_TypeError,
                        "map_hits() wants bytes and a tuple subclass without extra storage");
        return NULL;
    }
    int collected = Py_IS_TYPE(args[1], &HitListType);
    PyObject *seq = collected ? Py_NewRef(args[1])
                              : PySequence_Fast(args[1], "map_hits() wants a sequence of hits");
    if (seq == NULL)
        return NULL;
    const unsigned char *s = (const unsigned char *)PyBytes_AS_STRING(chunk);
    Py_ssize_t n = PyBytes_GET_SIZE(chunk);
    Py_ssize_t count = collected ? ((HitList *)seq)->count : PySequence_Fast_GET_SIZE(seq);
    Hit *hits = PyMem_New(Hit, count ? count : 1);
    Line *lines = PyMem_New(Line, count ? count : 1);
    PyObject *result = NULL;
    if (hits == NULL || lines == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if ((collected ? read_hit_list((HitList *)seq, n, hits) : read_hits(seq, n, hits)) < 0)
        goto done;
    Py_ssize_t made, newlines;
    Py_BEGIN_ALLOW_THREADS
    made = lines_of_hits(s, n, hits, count, lines, &newlines);
    Py_END_ALLOW_THREADS
    result = records_of((PyTypeObject *)make, lines, made, hits, newlines);
done:
    PyMem_Free(hits);
    PyMem_Free(lines);
    Py_DECREF(seq);
    return result;
}

/* ---------------------------------------------------------------- console_prefix */

/* envelope._CONSOLE_START, a str regex without flags, so \d is any Unicode decimal digit:
 *   (?:(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,254}) +\| ?)?
 *   (?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) (?P<lvl>LEVEL)(?: |$)
 *   (?:(?P<caller>[^ ]+\.go:\d+) > ?)?
 * Every repetition in it has one way to succeed (argued at each step), so following the
 * regex's first choices, and its backtracking at the two optional spaces and the optional
 * name, gives the same match. */

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t len;
} Text;

typedef struct {
    Py_ssize_t ts_start, ts_end, lvl_start, caller_start, caller_end, end;
} ConsoleMatch;

#define AT(t, i) PyUnicode_READ((t)->kind, (t)->data, (i))

static int
digit_at(const Text *t, Py_ssize_t i)
{
    return i < t->len && Py_UNICODE_ISDECIMAL(AT(t, i));
}

static int
char_at(const Text *t, Py_ssize_t i, Py_UCS4 c)
{
    return i < t->len && AT(t, i) == c;
}

/* "dddd-dd-ddTdd:dd:dd" at i: a fixed shape, 'd' a digit. */
static int
clock_shape_at(const Text *t, Py_ssize_t i)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (Py_ssize_t k = 0; shape[k]; k++) {
        if (shape[k] == 'd' ? !digit_at(t, i + k) : !char_at(t, i + k, (Py_UCS4)shape[k]))
            return 0;
    }
    return 1;
}

/* End of the stamp at i, or -1. The fraction's digits run to their end (a zone cannot
 * start with a digit), and the zone's optional colon is the only way its digits fit. */
static Py_ssize_t
stamp_end(const Text *t, Py_ssize_t i)
{
    if (!clock_shape_at(t, i))
        return -1;
    i += 19;
    if (char_at(t, i, '.') && digit_at(t, i + 1)) {
        i += 2;
        while (digit_at(t, i))
            i++;
    }
    if (char_at(t, i, 'Z'))
        return i + 1;
    if (!(char_at(t, i, '+') || char_at(t, i, '-')) || !digit_at(t, i + 1) || !digit_at(t, i + 2))
        return -1;
    i += 3;
    if (char_at(t, i, ':') && digit_at(t, i + 1) && digit_at(t, i + 2))
        return i + 3;
    return digit_at(t, i) && digit_at(t, i + 1) ? i + 2 : -1;
}

static int
level_at(const Text *t, Py_ssize_t i)
{
    static const char *levels[] = {"TRC", "DBG", "INF", "WRN", "ERR", "FTL", "PNC", "???"};
    if (i + 3 > t->len)
        return 0;
    for (size_t k = 0; k < sizeof(levels) / sizeof(levels[0]); k++) {
        if (AT(t, i) == (Py_UCS4)levels[k][0] && AT(t, i + 1) == (Py_UCS4)levels[k][1]
                && AT(t, i + 2) == (Py_UCS4)levels[k][2])
            return 1;
    }
    return 0;
}

/* The caller group at i: the token up to the next space must be followed by " >" and end
 * in ".go:" and digits with something before (the token holds no space, so the group is
 * the whole token). Sets m->caller_* and m->end when it is there. */
static void
caller_at(const Text *t, Py_ssize_t i, ConsoleMatch *m)
{
    Py_ssize_t stop = i;
    while (stop < t->len && AT(t, stop) != ' ')
        stop++;
    if (!(char_at(t, stop, ' ') && char_at(t, stop + 1, '>')))
        return;
    Py_ssize_t digits = stop;
    while (digits > i && Py_UNICODE_ISDECIMAL(AT(t, digits - 1)))
        digits--;
    if (digits == stop || digits - i < 5 || AT(t, digits - 1) != ':' || AT(t, digits - 2) != 'o'
            || AT(t, digits - 3) != 'g' || AT(t, digits - 4) != '.')
        return;
    m->caller_start = i;
    m->caller_end = stop;
    m->end = stop + 2 + char_at(t, stop + 2, ' ');
}

/* Stamp, level and caller from i; 0 when they are not there. */
static int
console_rest(const Text *t, Py_ssize_t i, ConsoleMatch *m)
{
    Py_ssize_t ts_end = stamp_end(t, i);
    if (ts_end < 0 || !char_at(t, ts_end, ' ') || !level_at(t, ts_end + 1))
        return 0;
    Py_ssize_t after = ts_end + 4;
    *m = (ConsoleMatch){i, ts_end, ts_end + 1, -1, -1, after};
    if (char_at(t, after, ' ')) {
        m->end = after + 1;
        caller_at(t, after + 1, m);
        return 1;
    }
    /* $: the end, or before a newline that ends the text; the caller cannot follow */
    return after == t->len || (after + 1 == t->len && AT(t, after) == '\n');
}

/* Length of the compose name with its bar and spaces at the start, or -1; the name is its
 * longest run of name characters (a shorter one would be followed by one, not a space). */
static Py_ssize_t
compose_end(const Text *t, Py_ssize_t *name_end)
{
    Py_ssize_t i = 0;
    while (i < t->len && i < 256) {
        Py_UCS4 c = AT(t, i);
        int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!(alnum || (i > 0 && (c == '_' || c == '.' || c == '-'))))
            break;
        i++;
    }
    if (i == 0 || i > 255 || !char_at(t, i, ' '))
        return -1;
    *name_end = i;
    while (char_at(t, i, ' '))
        i++;
    return char_at(t, i, '|') ? i + 1 : -1;
}

static PyObject *
substring_or_none(PyObject *line, Py_ssize_t start, Py_ssize_t end)
{
    return start < 0 ? Py_NewRef(Py_None) : PyUnicode_Substring(line, start, end);
}

static PyObject *
console_prefix(PyObject *Py_UNUSED(module), PyObject *line)
{
    if (!PyUnicode_Check(line)) {
        PyErr_SetString(PyExc_TypeError, "console_prefix() wants a str");
        return NULL;
    }
    Text t = {PyUnicode_KIND(line), PyUnicode_DATA(line), PyUnicode_GET_LENGTH(line)};
    ConsoleMatch m;
    Py_ssize_t name_end = -1, bar_end = compose_end(&t, &name_end);
    int found = 0;
    if (bar_end >= 0) {
        found = (char_at(&t, bar_end, ' ') && console_rest(&t, bar_end + 1, &m))
                || console_rest(&t, bar_end, &m);
    }
    if (!found) {
        name_end = -1;
        found = console_rest(&t, 0, &m);
    }
    if (!found)
        Py_RETURN_NONE;
    return Py_BuildValue("(NNNNn)", substring_or_none(line, name_end < 0 ? -1 : 0, name_end),
                         PyUnicode_Substring(line, m.ts_start, m.ts_end),
                         PyUnicode_Substring(line, m.lvl_start, m.lvl_start + 3),
                         substring_or_none(line, m.caller_start, m.caller_end), m.end);
}

/* ---------------------------------------------------------------- digit_run */

#define IS_DIGIT(ch) ((ch) >= '0' && (ch) <= '9')

static PyObject *
digit_run(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n;
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "digit_run() wants (str, int)");
        return NULL;
    }
    n = PyLong_AsSsize_t(args[1]);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n <= 0)
        Py_RETURN_TRUE;
    Text t = {PyUnicode_KIND(args[0]), PyUnicode_DATA(args[0]), PyUnicode_GET_LENGTH(args[0])};
    /* n digits in a row cover one of the positions n-1, 2n-1, 3n-1...: look only there,
     * and measure the run around a digit found (a shorter run holds one such position) */
    for (Py_ssize_t i = n - 1; i < t.len; i += n) {
        if (!IS_DIGIT(AT(&t, i)))
            continue;
        Py_ssize_t first = i, last = i;
        while (first > 0 && IS_DIGIT(AT(&t, first - 1)))
            first--;
        while (last + 1 < t.len && IS_DIGIT(AT(&t, last + 1)))
            last++;
        if (last - first + 1 >= n)
            Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

/* ---------------------------------------------------------------- module */

static PyMethodDef methods[] = {
    {"strip_controls", strip_controls, METH_O,
     "The chunk without ANSI colour/cursor codes and carriage returns."},
    {"cut_long_lines", (PyCFunction)(void (*)(void))cut_long_lines, METH_FASTCALL,
     "cut_long_lines(chunk, width) -> (chunk with lines cut at width, cuts, removed totals)"},
    {"map_hits", (PyCFunction)(void (*)(void))map_hits, METH_FASTCALL,
     "map_hits(chunk, hits, make) -> ([make(index, start, end, rules), ...], newlines)"},
    {"console_prefix", console_prefix, METH_O,
     "(name, stamp, level, caller, end) of a Headscale console line's start, or None."},
    {"digit_run", (PyCFunction)(void (*)(void))digit_run, METH_FASTCALL,
     "digit_run(text, n) -> whether text holds n ASCII digits in a row"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups", "logsleuth's byte-level loops in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&HitListType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddObjectRef(m, "HitList", (PyObject *)&HitListType) < 0)
        Py_CLEAR(m);
    return m;
}
