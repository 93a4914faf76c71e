/* Sparse Gauss-Jordan modulo a prime, and rational reconstruction: the inner loops of
 * intertwine/solvers/modular.py (see there for the method and why the result is exact).
 *
 * The elimination is the one of integer.py, in C and modulo a prime p < 2**63 instead of
 * over the integers: rows are taken in the order given, reduced by the pivot rows found so
 * far (kept fully reduced and normalised: pivot 1, not stored, no other pivot column), and
 * a row that stays nonzero becomes a pivot row at its smallest column, which is then
 * cleared from the pivot rows that hold it.  Only the Python C API is used (arrays come in
 * and go out as buffers), so building needs no numpy headers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;
typedef int64_t i64;
typedef unsigned __int128 u128;

#define M61 ((1ULL << 61) - 1)

/* a b mod p for a, b < p; for the Mersenne prime 2**61 - 1 without a division */
static inline u64 mulmod(u64 a, u64 b, u64 p) {
    u128 x = (u128)a * b;
    if (p == M61) {
        u64 r = ((u64)x & M61) + (u64)(x >> 61);
        return r >= M61 ? r - M61 : r;
    }
    return (u64)(x % p);
}

/* a + b mod p for a, b < p < 2**63 */
static inline u64 addmod(u64 a, u64 b, u64 p) {
    u64 r = a + b;
    return r >= p ? r - p : r;
}

static u64 powmod(u64 a, u64 e, u64 p) {
    u64 r = 1;
    while (e) {
        if (e & 1) r = mulmod(r, a, p);
        a = mulmod(a, a, p);
        e >>= 1;
    }
    return r;
}

typedef struct {
    int32_t *col; /* sorted, without the pivot column */
    u64 *val;
    int32_t len;
} Row;

typedef struct {
    int32_t *q;
    int32_t len, cap;
} List;

static int push(List *l, int32_t v) {
    if (l->len == l->cap) {
        int32_t cap = l->cap ? 2 * l->cap : 4;
        int32_t *q = realloc(l->q, (size_t)cap * sizeof(int32_t));
        if (!q) return -1;
        l->q = q;
        l->cap = cap;
    }
    l->q[l->len++] = v;
    return 0;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Rows first..last-1 into the pivot rows; acc (zero), seen (zero) and touched are work
 * arrays of n_cols entries, left as found.  Returns the number of new pivots, or -1 when
 * out of memory.  rows[c].col == NULL: no pivot at c. */
static i64 eliminate(const i64 *indptr, const i64 *indices, const i64 *data, i64 first,
                     i64 last, u64 p, Row *rows, List *holders, u64 *acc, char *seen,
                     int32_t *touched) {
    i64 rank = 0;
    for (i64 r = first; r < last; r++) {
        i64 lo = indptr[r], hi = indptr[r + 1];
        int32_t nt = 0;
        for (i64 t = lo; t < hi; t++) {
            int32_t c = (int32_t)indices[t];
            i64 v = data[t] % (i64)p;
            if (v < 0) v += (i64)p;
            acc[c] = addmod(acc[c], (u64)v, p);
            if (!seen[c]) { seen[c] = 1; touched[nt++] = c; }
        }
        /* reduce: pivot rows hold no pivot column, so only the row's own columns */
        for (i64 t = lo; t < hi; t++) {
            int32_t c = (int32_t)indices[t];
            if (!rows[c].col) continue; /* no pivot there */
            u64 a = acc[c];
            if (!a) continue;
            acc[c] = 0;
            u64 m = p - a;
            Row *pr = &rows[c];
            for (int32_t k = 0; k < pr->len; k++) {
                int32_t j = pr->col[k];
                acc[j] = addmod(acc[j], mulmod(m, pr->val[k], p), p);
                if (!seen[j]) { seen[j] = 1; touched[nt++] = j; }
            }
        }
        /* what is left: nonzeros at non-pivot columns */
        int32_t nz = 0;
        for (int32_t k = 0; k < nt; k++) {
            int32_t c = touched[k];
            seen[c] = 0;
            if (acc[c]) touched[nz++] = c;
        }
        if (!nz) continue;
        qsort(touched, (size_t)nz, sizeof(int32_t), cmp_i32);
        int32_t piv = touched[0];
        u64 inv = powmod(acc[piv], p - 2, p);
        acc[piv] = 0;
        Row nr;
        nr.len = nz - 1;
        nr.col = malloc((size_t)(nz > 1 ? nz - 1 : 1) * sizeof(int32_t));
        nr.val = malloc((size_t)(nz > 1 ? nz - 1 : 1) * sizeof(u64));
        if (!nr.col || !nr.val) { rank = -1; goto done; }
        for (int32_t k = 1; k < nz; k++) {
            int32_t c = touched[k];
            nr.col[k - 1] = c;
            nr.val[k - 1] = mulmod(acc[c], inv, p);
            acc[c] = 0;
        }
        /* clear column piv from the pivot rows that hold it */
        List *hp = &holders[piv];
        for (int32_t h = 0; h < hp->len; h++) {
            Row *q = &rows[hp->q[h]];
            int32_t a_lo = 0, a_hi = q->len;
            while (a_lo < a_hi) {
                int32_t mid = (a_lo + a_hi) / 2;
                if (q->col[mid] < piv) a_lo = mid + 1; else a_hi = mid;
            }
            if (a_lo == q->len || q->col[a_lo] != piv) continue; /* stale or duplicate */
            u64 m = p - q->val[a_lo];
            int32_t cap = q->len + nr.len;
            int32_t *col = malloc((size_t)cap * sizeof(int32_t));
            u64 *val = malloc((size_t)cap * sizeof(u64));
            if (!col || !val) { rank = -1; goto done; }
            int32_t i = 0, j = 0, n = 0;
            while (i < q->len || j < nr.len) {
                int32_t ci = i < q->len ? q->col[i] : INT32_MAX;
                int32_t cj = j < nr.len ? nr.col[j] : INT32_MAX;
                if (ci < cj) {
                    if (ci != piv) { col[n] = ci; val[n++] = q->val[i]; }
                    i++;
                } else if (cj < ci) {
                    u64 v = mulmod(m, nr.val[j], p);
                    if (v) {
                        col[n] = cj; val[n++] = v;
                        if (push(&holders[cj], hp->q[h])) { rank = -1; goto done; }
                    }
                    j++;
                } else {
                    u64 v = addmod(q->val[i], mulmod(m, nr.val[j], p), p);
                    if (v) { col[n] = ci; val[n++] = v; }
                    i++; j++;
                }
            }
            free(q->col);
            free(q->val);
            q->col = col;
            q->val = val;
            q->len = n;
        }
        free(hp->q);
        hp->q = NULL;
        hp->len = hp->cap = 0;
        for (int32_t k = 0; k < nr.len; k++)
            if (push(&holders[nr.col[k]], piv)) { rank = -1; goto done; }
        rows[piv] = nr;
        rank++;
    }
done:
    return rank;
}

static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (view->len % itemsize) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_ValueError, "%s: not an array of %zd-byte items", what, itemsize);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(rref_doc,
"rref(indptr, indices, data, n_cols, prime) -> (pivots, indptr, indices, values)\n\n"
"RREF modulo prime of the CSR matrix (int64 buffers; each row's columns distinct),\n"
"rows taken in the given order.  Returns bytes holding int64 arrays: the pivot columns\n"
"in increasing order and, per pivot, its row without the pivot (columns increasing,\n"
"values in [0, prime)); the pivot entries are 1.");

static PyObject *py_rref(PyObject *self, PyObject *args) {
    PyObject *o_indptr, *o_indices, *o_data;
    long long n_cols;
    unsigned long long prime;
    if (!PyArg_ParseTuple(args, "OOOLK", &o_indptr, &o_indices, &o_data, &n_cols, &prime))
        return NULL;
    if (prime < 3 || prime >= (1ULL << 63) || n_cols < 0 || n_cols >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "need 2 < prime < 2**63 and 0 <= n_cols < 2**31");
        return NULL;
    }
    Py_buffer b_indptr, b_indices, b_data;
    if (get_buffer(o_indptr, &b_indptr, 8, "indptr") < 0) return NULL;
    if (get_buffer(o_indices, &b_indices, 8, "indices") < 0) {
        PyBuffer_Release(&b_indptr);
        return NULL;
    }
    if (get_buffer(o_data, &b_data, 8, "data") < 0) {
        PyBuffer_Release(&b_indptr);
        PyBuffer_Release(&b_indices);
        return NULL;
    }
    PyObject *result = NULL;
    i64 n_rows = b_indptr.len / 8 - 1;
    const i64 *indptr = b_indptr.buf, *indices = b_indices.buf;
    int bad = n_rows < 0 || b_indices.len != b_data.len;
    for (i64 r = 0; !bad && r < n_rows; r++)
        bad = indptr[r] < 0 || indptr[r] > indptr[r + 1] || indptr[r + 1] > b_indices.len / 8;
    for (i64 t = 0; !bad && t < b_indices.len / 8; t++)
        bad = indices[t] < 0 || indices[t] >= n_cols;
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "not a CSR matrix with n_cols columns");
        goto release;
    }
    size_t n = (size_t)(n_cols ? n_cols : 1);
    Row *rows = calloc(n, sizeof(Row));
    List *holders = calloc(n, sizeof(List));
    u64 *acc = calloc(n, sizeof(u64));
    char *seen = calloc(n, 1);
    int32_t *touched = malloc(n * sizeof(int32_t));
    i64 rank = -1;
    int interrupted = 0;
    if (rows && holders && acc && seen && touched) {
        /* in chunks of rows, without the GIL; between them, Ctrl-C is looked for */
        rank = 0;
        for (i64 first = 0; first < n_rows && rank >= 0; first += 2048) {
            i64 last = first + 2048 < n_rows ? first + 2048 : n_rows, found;
            Py_BEGIN_ALLOW_THREADS
            found = eliminate(indptr, indices, b_data.buf, first, last, prime, rows, holders,
                              acc, seen, touched);
            Py_END_ALLOW_THREADS
            rank = found < 0 ? -1 : rank + found;
            if (PyErr_CheckSignals() < 0) { interrupted = 1; break; }
        }
    }
    free(acc);
    free(seen);
    free(touched);
    if (interrupted) {
        /* the exception (KeyboardInterrupt, ...) is set; the result stays NULL */
    } else if (rank >= 0) {
        i64 nnz = 0;
        for (i64 c = 0; c < n_cols; c++) nnz += rows[c].col ? rows[c].len : 0;
        PyObject *pv = PyBytes_FromStringAndSize(NULL, rank * 8);
        PyObject *ip = PyBytes_FromStringAndSize(NULL, (rank + 1) * 8);
        PyObject *ix = PyBytes_FromStringAndSize(NULL, nnz * 8);
        PyObject *vl = PyBytes_FromStringAndSize(NULL, nnz * 8);
        if (pv && ip && ix && vl) {
            i64 *pivots = (i64 *)PyBytes_AS_STRING(pv), *ptr = (i64 *)PyBytes_AS_STRING(ip);
            i64 *cols = (i64 *)PyBytes_AS_STRING(ix);
            u64 *vals = (u64 *)PyBytes_AS_STRING(vl);
            i64 k = 0, at = 0;
            ptr[0] = 0;
            for (i64 c = 0; c < n_cols; c++) {
                if (!rows[c].col) continue;
                pivots[k] = c;
                for (int32_t t = 0; t < rows[c].len; t++) {
                    cols[at] = rows[c].col[t];
                    vals[at++] = rows[c].val[t];
                }
                ptr[++k] = at;
            }
            result = Py_BuildValue("(NNNN)", pv, ip, ix, vl);
        } else {
            Py_XDECREF(pv); Py_XDECREF(ip); Py_XDECREF(ix); Py_XDECREF(vl);
        }
    } else {
        PyErr_NoMemory();
    }
    if (rows)
        for (i64 c = 0; c < n_cols; c++) { free(rows[c].col); free(rows[c].val); }
    if (holders)
        for (i64 c = 0; c < n_cols; c++) free(holders[c].q);
    free(rows);
    free(holders);
release:
    PyBuffer_Release(&b_indptr);
    PyBuffer_Release(&b_indices);
    PyBuffer_Release(&b_data);
    return result;
}

PyDoc_STRVAR(recon_doc,
"reconstruct(values, prime, bound) -> (numerators, denominators, ok)\n\n"
"For each residue v (uint64 buffer) the fraction n/d with |n| <= bound, 0 < d <= bound and\n"
"n = v d (mod prime), in lowest terms (unique when 2 bound**2 < prime).  Returns bytes\n"
"holding int64 arrays, and False when some residue has no such fraction (its n/d is 0/1).");

static PyObject *py_reconstruct(PyObject *self, PyObject *args) {
    PyObject *o_values;
    unsigned long long prime, bound;
    if (!PyArg_ParseTuple(args, "OKK", &o_values, &prime, &bound)) return NULL;
    if (prime >= (1ULL << 63) || bound >= (1ULL << 62)) {
        PyErr_SetString(PyExc_ValueError, "need prime < 2**63 and bound < 2**62");
        return NULL;
    }
    Py_buffer b;
    if (get_buffer(o_values, &b, 8, "values") < 0) return NULL;
    i64 n = b.len / 8;
    PyObject *on = PyBytes_FromStringAndSize(NULL, n * 8);
    PyObject *od = PyBytes_FromStringAndSize(NULL, n * 8);
    if (!on || !od) {
        Py_XDECREF(on); Py_XDECREF(od);
        PyBuffer_Release(&b);
        return NULL;
    }
    const u64 *v = b.buf;
    i64 *num = (i64 *)PyBytes_AS_STRING(on), *den = (i64 *)PyBytes_AS_STRING(od);
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    for (i64 k = 0; k < n; k++) {
        /* half-extended Euclid on (prime, v): r_i = s_i v (mod prime) */
        i64 r0 = (i64)prime, r1 = (i64)(v[k] % prime), s0 = 0, s1 = 1;
        while ((u64)r1 > bound) {
            i64 q = r0 / r1, t = r0 - q * r1;
            r0 = r1; r1 = t;
            t = s0 - q * s1;
            s0 = s1; s1 = t;
        }
        if (s1 < 0) { s1 = -s1; r1 = -r1; }
        i64 a = r1 < 0 ? -r1 : r1, g = s1;
        while (a) { i64 t = g % a; g = a; a = t; }
        if (s1 == 0 || (u64)s1 > bound || g != 1) {
            ok = 0;
            num[k] = 0; den[k] = 1;
        } else {
            num[k] = r1; den[k] = s1;
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&b);
    return Py_BuildValue("(NNO)", on, od, ok ? Py_True : Py_False);
}

static PyMethodDef methods[] = {
    {"rref", py_rref, METH_VARARGS, rref_doc},
    {"reconstruct", py_reconstruct, METH_VARARGS, recon_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_modular",
    "Sparse Gauss-Jordan modulo a prime and rational reconstruction (modular.py).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__modular(void) { return PyModule_Create(&module); }
