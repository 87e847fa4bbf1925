/* The C interface is all in include/koopscope.h; this file gives the target a source. */
