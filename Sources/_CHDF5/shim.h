// HDF5 for Swift: the library's macros (property-list and type identifiers,
// access flags) expand to globals behind H5open() and do not import, so each is
// reached through a static inline getter. Differences between HDF5 1.10 and
// later releases are settled here, not in Swift.
#ifndef KOOPSCOPE_CHDF5_SHIM_H
#define KOOPSCOPE_CHDF5_SHIM_H

#include <hdf5.h>
#include <stdio.h>
#include <string.h>

static inline hid_t ks_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t ks_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t ks_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t ks_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t ks_H5P_DATASET_ACCESS(void) { return H5P_DATASET_ACCESS; }
static inline hid_t ks_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }

static inline unsigned ks_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned ks_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned ks_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }

static inline hid_t ks_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ks_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ks_H5T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t ks_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t ks_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t ks_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t ks_H5T_STD_U16LE(void) { return H5T_STD_U16LE; }
static inline hid_t ks_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t ks_H5T_C_S1(void) { return H5T_C_S1; }
static inline size_t ks_H5T_VARIABLE(void) { return H5T_VARIABLE; }

/// Turns off HDF5's printing of its error stack to stderr; koopscope reads the
/// stack itself and puts it into the error it throws.
static inline herr_t ks_silence_errors(void) {
    return H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

typedef struct {
    char *buffer;
    size_t capacity;
    size_t used;
} ks_error_text;

static herr_t ks_error_walker(unsigned n, const H5E_error2_t *err, void *data) {
    ks_error_text *text = (ks_error_text *)data;
    if (text->used + 1 >= text->capacity) return 0;
    int written = snprintf(text->buffer + text->used, text->capacity - text->used,
                           "%s%s(): %s", n == 0 ? "" : "; ",
                           err->func_name ? err->func_name : "?",
                           err->desc ? err->desc : "unknown error");
    if (written > 0) {
        size_t w = (size_t)written;
        text->used += (w < text->capacity - text->used) ? w : text->capacity - text->used - 1;
    }
    return 0;
}

/// Writes the current thread's HDF5 error stack, innermost call first, into
/// `buffer` as one line, and clears the stack. Returns the number of bytes written.
static inline size_t ks_take_error_stack(char *buffer, size_t capacity) {
    if (capacity == 0) return 0;
    ks_error_text text = { buffer, capacity, 0 };
    buffer[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, ks_error_walker, &text);
    H5Eclear2(H5E_DEFAULT);
    return text.used;
}

/// Number of attributes attached to an object (file root, group or dataset).
static inline long long ks_attribute_count(hid_t object) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(object, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#elif H5_VERSION_GE(1, 10, 3)
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#else
    H5O_info_t info;
    if (H5Oget_info(object, &info) < 0) return -1;
#endif
    return (long long)info.num_attrs;
}

/// Frees the strings HDF5 allocated while reading variable-length data.
static inline herr_t ks_reclaim(hid_t type, hid_t space, void *buffer) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(type, space, H5P_DEFAULT, buffer);
#else
    return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}

/// Whether `path` names an HDF5 file (positive), not one (zero) or cannot be read (negative).
static inline htri_t ks_is_hdf5(const char *path) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Fis_accessible(path, H5P_DEFAULT);
#else
    return H5Fis_hdf5(path);
#endif
}

/// The byte offset of a contiguous dataset's data in its file, or -1 when the data is
/// chunked, compact or not yet allocated.
static inline long long ks_contiguous_offset(hid_t dataset) {
    haddr_t address = H5Dget_offset(dataset);
    H5Eclear2(H5E_DEFAULT);
    return address == HADDR_UNDEF ? -1 : (long long)address;
}

/// Where the stored bytes of the chunk whose first element is at `offset` lie in the file:
/// 0 on success, with `address` -1 for a chunk never written; -1 when HDF5 fails.
static inline int ks_chunk_location(hid_t dataset, const hsize_t *offset, unsigned *filter_mask,
                                    long long *address, unsigned long long *size) {
    haddr_t where = HADDR_UNDEF;
    hsize_t stored = 0;
    if (H5Dget_chunk_info_by_coord(dataset, offset, filter_mask, &where, &stored) < 0) return -1;
    *address = where == HADDR_UNDEF ? -1 : (long long)where;
    *size = (unsigned long long)stored;
    return 0;
}

/// Whether a datatype stores its bytes most significant first.
static inline int ks_type_is_big_endian(hid_t type) { return H5Tget_order(type) == H5T_ORDER_BE; }

/// Whether this HDF5 library can apply the filter `filter` (built in or a loaded plugin).
static inline int ks_filter_available(int filter) { return H5Zfilter_avail((H5Z_filter_t)filter) > 0; }

#endif
