// The watchdog: one thread, started on first use, that ends the process when an armed region
// outlives its deadline. Ending the process is the only safe way out of a library call that
// loops forever: the call holds locks and state no other thread can take back.
#define _GNU_SOURCE
#include "koopscope_kernels.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t watchdog_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watchdog_changed = PTHREAD_COND_INITIALIZER;
static int watchdog_started = 0;
static int watchdog_armed = 0;
static struct timespec watchdog_deadline;
static char watchdog_message[4096];

static void *watchdog_main(void *unused) {
    (void)unused;
    pthread_mutex_lock(&watchdog_lock);
    for (;;) {
        if (!watchdog_armed) { pthread_cond_wait(&watchdog_changed, &watchdog_lock); continue; }
        pthread_cond_timedwait(&watchdog_changed, &watchdog_lock, &watchdog_deadline);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        int late = now.tv_sec > watchdog_deadline.tv_sec
            || (now.tv_sec == watchdog_deadline.tv_sec && now.tv_nsec >= watchdog_deadline.tv_nsec);
        if (watchdog_armed && late) {
            (void)!write(2, watchdog_message, strlen(watchdog_message));
            ks_crash_guard_remove_temporaries();
            _exit(1);
        }
    }
    return NULL;
}

void ks_watchdog_arm(double seconds, const char *message) {
    if (!ks_crash_guard_installed) return;
    pthread_mutex_lock(&watchdog_lock);
    if (!watchdog_started) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        watchdog_started = pthread_create(&thread, &attributes, watchdog_main, NULL) == 0;
        pthread_attr_destroy(&attributes);
    }
    size_t n = strlen(message);
    if (n >= sizeof watchdog_message) n = sizeof watchdog_message - 1;
    memcpy(watchdog_message, message, n);
    watchdog_message[n] = 0;
    clock_gettime(CLOCK_REALTIME, &watchdog_deadline);
    long whole = (long)seconds;
    watchdog_deadline.tv_sec += whole;
    watchdog_deadline.tv_nsec += (long)((seconds - (double)whole) * 1e9);
    if (watchdog_deadline.tv_nsec >= 1000000000L) { watchdog_deadline.tv_sec += 1; watchdog_deadline.tv_nsec -= 1000000000L; }
    watchdog_armed = 1;
    pthread_cond_signal(&watchdog_changed);
    pthread_mutex_unlock(&watchdog_lock);
}

void ks_watchdog_disarm(void) {
    if (!ks_crash_guard_installed) return;
    pthread_mutex_lock(&watchdog_lock);
    watchdog_armed = 0;
    pthread_cond_signal(&watchdog_changed);
    pthread_mutex_unlock(&watchdog_lock);
}
