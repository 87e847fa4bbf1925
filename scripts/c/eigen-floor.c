// The floor of exact DMD through the Gram matrix on one core: one 896×1023 trajectory of a damped
// random walk, its Gram matrix (dsyrk, ssyrk), the tridiagonal reduction (dsytrd, ssytrd), all
// eigenvalues (dsyevr, dsyevd_2stage) and the 50 leading eigenpairs (dsyevr), three times each.
//   cc -O2 eigen-floor.c -o /tmp/eigen-floor $(pkg-config --cflags --libs openblas lapacke) -lm
//   OPENBLAS_NUM_THREADS=1 /tmp/eigen-floor
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cblas.h>
#include <lapacke.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(){
  int d=896,M=1023,r=50;
  double *X=malloc(sizeof(double)*d*1024), *G=malloc(sizeof(double)*d*d);
  float *Xs=malloc(4*d*1024), *Gs=malloc(4*d*d);
  // damped random walk
  for(int j=0;j<d;j++){double v=0; for(int t=0;t<1024;t++){v=0.99*v+((double)rand()/RAND_MAX-0.5); X[t*d+j]=v; Xs[t*d+j]=v;}}
  for(int rep=0;rep<3;rep++){
  double t0=now();
  cblas_dsyrk(CblasColMajor,CblasLower,CblasNoTrans,d,M,1.0,X,d,0.0,G,d);
  double t1=now();
  cblas_ssyrk(CblasColMajor,CblasLower,CblasNoTrans,d,M,1.0f,Xs,d,0.0f,Gs,d);
  double t2=now();
  double *A=malloc(8*d*d); for(int i=0;i<d*d;i++)A[i]=G[i];
  double *D=malloc(8*d),*E=malloc(8*d),*tau=malloc(8*d);
  LAPACKE_dsytrd(LAPACK_COL_MAJOR,'L',d,A,d,D,E,tau);
  double t3=now();
  float *As=malloc(4*d*d); for(int i=0;i<d*d;i++)As[i]=Gs[i];
  float *Ds=malloc(4*d),*Es=malloc(4*d),*taus=malloc(4*d);
  LAPACKE_ssytrd(LAPACK_COL_MAJOR,'L',d,As,d,Ds,Es,taus);
  double t4=now();
  for(int i=0;i<d*d;i++)A[i]=G[i];
  double *W=malloc(8*d); int m;
  double *Z=malloc(8*d*r); int *sup=malloc(8*2*r);
  LAPACKE_dsyevr(LAPACK_COL_MAJOR,'N','A','L',d,A,d,0,0,0,0,0,&m,W,Z,d,sup);
  double t5=now();
  for(int i=0;i<d*d;i++)A[i]=G[i];
  LAPACKE_dsyevd_2stage(LAPACK_COL_MAJOR,'N','L',d,A,d,W);
  double t6=now();
  for(int i=0;i<d*d;i++)A[i]=G[i];
  LAPACKE_dsyevr(LAPACK_COL_MAJOR,'V','I','L',d,A,d,0,0,d-r+1,d,0,&m,W,Z,d,sup);
  double t7=now();
  // block GEMM G*W with b=64
  double *B=malloc(8*d*64),*C=malloc(8*d*64); for(int i=0;i<d*64;i++)B[i]=rand()/(double)RAND_MAX;
  cblas_dsymm(CblasColMajor,CblasLeft,CblasLower,d,64,1.0,G,d,B,d,0.0,C,d);
  double t8=now();
  cblas_dgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,d,64,d,1.0,G,d,B,d,0.0,C,d);
  double t9=now();
  printf("dsyrk %.1f ssyrk %.1f dsytrd %.1f ssytrd %.1f dsyevr-N %.1f dsyevd2stage-N %.1f dsyevr-V-I %.1f dsymm64 %.2f dgemm64 %.2f ms\n",
   (t1-t0)*1e3,(t2-t1)*1e3,(t3-t2)*1e3,(t4-t3)*1e3,(t5-t4)*1e3,(t6-t5)*1e3,(t7-t6)*1e3,(t8-t7)*1e3,(t9-t8)*1e3);
  }
}
