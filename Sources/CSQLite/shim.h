#ifndef ODA_CSQLITE_SHIM_H
#define ODA_CSQLITE_SHIM_H
#include <sqlite3.h>

/* SQLITE_TRANSIENT and SQLITE_STATIC are function-pointer casts Swift cannot import. */
static inline sqlite3_destructor_type oda_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type oda_sqlite_static(void) { return SQLITE_STATIC; }

#endif
