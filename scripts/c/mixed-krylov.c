// Exact DMD's leading subspace in mixed precision: the Gram matrix and a block Krylov solver
// (blocks of 64, Q of them) in single precision, then Rayleigh–Ritz in double precision on the
// 64 best Ritz vectors against the snapshot matrix itself (it64 subspace steps before it), and
// the DMD eigenvalues from that subspace — against the dense double-precision route (dsyevr of
// the Gram matrix). Prints the times of each stage, the largest eigenvalue distance, and the
// subspace residual ‖X Xᵀ U − U Θ‖/λ₁ a certificate would have to bound.
//   python3 -c "import h5py, numpy as np; h5py.File('bench-data/layouts/contiguous-first-32.h5')['hidden_states'][:4].astype(np.float32).tofile('/tmp/x4.f32')"
//   cc -O2 mixed-krylov.c -o /tmp/mixed-krylov $(pkg-config --cflags --libs openblas lapacke) -lm
//   OPENBLAS_NUM_THREADS=1 /tmp/mixed-krylov 64 5 0 4      # block, Q, it64, trajectories
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <complex.h>
#include <cblas.h>
#include <lapacke.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
enum{d=896,T=1024,M=1023,r=50};
// eigenvalues of K = Sigma^-2 PsiX^T PsiY from U (d x r, col-major) and X64 (d x T)
static void dmd(const double*X,const double*U,double complex*lam){
  double *PX=malloc(8*M*r),*PY=malloc(8*M*r),*K=malloc(8*r*r),wr[r],wi[r];
  cblas_dgemm(CblasColMajor,CblasTrans,CblasNoTrans,M,r,d,1,X,d,U,d,0,PX,M);
  cblas_dgemm(CblasColMajor,CblasTrans,CblasNoTrans,M,r,d,1,X+d,d,U,d,0,PY,M);
  cblas_dgemm(CblasColMajor,CblasTrans,CblasNoTrans,r,r,M,1,PX,M,PY,M,0,K,r);
  double s2[r]; for(int j=0;j<r;j++){double s=0;for(int i=0;i<M;i++)s+=PX[j*M+i]*PX[j*M+i];s2[j]=s;}
  for(int j=0;j<r;j++)for(int i=0;i<r;i++)K[j*r+i]/=s2[i];
  LAPACKE_dgeev(LAPACK_COL_MAJOR,'N','N',r,K,r,wr,wi,NULL,1,NULL,1);
  for(int i=0;i<r;i++)lam[i]=wr[i]+I*wi[i];
  free(PX);free(PY);free(K);
}
static double maxdist(double complex*a,double complex*b){double w=0;for(int i=0;i<r;i++){double m=1e9;for(int j=0;j<r;j++){double e=cabs(a[i]-b[j]);if(e<m)m=e;}if(m>w)w=m;}return w;}
double rsd,gapr,w2next;
int main(int argc,char**argv){
  int b=atoi(argv[1]), it32=atoi(argv[2]), it64=atoi(argv[3]), ntraj=atoi(argv[4]);
  float*all=malloc(4L*ntraj*T*d); FILE*f=fopen("/tmp/x4.f32","rb"); fread(all,4,(size_t)ntraj*T*d,f); fclose(f);
  for(int tr=0;tr<ntraj;tr++){
  float*X32=all+(size_t)tr*T*d; double*X=malloc(8L*T*d); for(long i=0;i<(long)T*d;i++)X[i]=X32[i];
  // reference: dense float64
  double*G=malloc(8*d*d),*w=malloc(8*d),*Ur=malloc(8*d*r); int m,*sup=malloc(8*d*2);
  cblas_dsyrk(CblasColMajor,CblasLower,CblasNoTrans,d,M,1,X,d,0,G,d);
  {double*G2=malloc(8*d*d);memcpy(G2,G,8*d*d);double w2[d];int m2;LAPACKE_dsyevr(LAPACK_COL_MAJOR,'N','I','L',d,G2,d,0,0,d-r,d-r,0,&m2,w2,NULL,d,sup);w2next=w2[0];free(G2);}
  LAPACKE_dsyevr(LAPACK_COL_MAJOR,'V','I','L',d,G,d,0,0,d-r+1,d,0,&m,w,Ur,d,sup);
  double complex lref[r],lnew[r]; dmd(X,Ur,lref);
  printf("traj %d sigma1^2 %.3e s50^2/s1^2 %.4f s51 %.4f\n",tr,w[r-1],w[0]/w[r-1],0.0);
  for(int rep=0;rep<3;rep++){
  double t0=now();
  float*G32=malloc(4*d*d); cblas_ssyrk(CblasColMajor,CblasLower,CblasNoTrans,d,M,1,X32,d,0,G32,d);
  for(int j=0;j<d;j++)for(int i=0;i<j;i++)G32[j*d+i]=G32[i*d+j];
  double t1=now();
  int q=it32, k=64*q; float*K=malloc(4L*d*k),*GK=malloc(4L*d*k),*H=malloc(4L*k*k),*Cc=malloc(4L*k*64),tau[256],*wv=malloc(4*k),*Zs=malloc(4L*k*b); int ms,*sups=malloc(8*k*2);
  srand(1); for(int i=0;i<d*64;i++)K[i]=rand()/(float)RAND_MAX-0.5f;
  LAPACKE_sgeqrf(LAPACK_COL_MAJOR,d,64,K,d,tau); LAPACKE_sorgqr(LAPACK_COL_MAJOR,d,64,64,K,d,tau);
  for(int s=0;s<q;s++){
    float*B=K+(size_t)s*d*64,*Wb=GK+(size_t)s*d*64;
    cblas_ssymm(CblasColMajor,CblasLeft,CblasLower,d,64,1,G32,d,B,d,0,Wb,d);
    if(s==q-1)break;
    float*N=K+(size_t)(s+1)*d*64; memcpy(N,Wb,4*d*64); int kk=(s+1)*64;
    for(int pass=0;pass<2;pass++){
      cblas_sgemm(CblasColMajor,CblasTrans,CblasNoTrans,kk,64,d,1,K,d,N,d,0,Cc,kk);
      cblas_sgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,d,64,kk,-1,K,d,Cc,kk,1,N,d);
    }
    LAPACKE_sgeqrf(LAPACK_COL_MAJOR,d,64,N,d,tau); LAPACKE_sorgqr(LAPACK_COL_MAJOR,d,64,64,N,d,tau);
  }
  cblas_sgemm(CblasColMajor,CblasTrans,CblasNoTrans,k,k,d,1,K,d,GK,d,0,H,k);
  LAPACKE_ssyevr(LAPACK_COL_MAJOR,'V','I','L',k,H,k,0,0,k-b+1,k,0,&ms,wv,Zs,k,sups);
  float*Q=malloc(4*d*b); cblas_sgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,d,b,k,1,K,d,Zs,k,0,Q,d);
  free(K);free(GK);free(H);free(Cc);free(wv);free(Zs);free(sups);
  double t2=now();
  double*Q64=malloc(8*d*b),*Z=malloc(8*M*b),*tau64=malloc(8*b); for(int i=0;i<d*b;i++)Q64[i]=Q[i];
  for(int s=0;s<it64;s++){
    cblas_dgemm(CblasColMajor,CblasTrans,CblasNoTrans,M,b,d,1,X,d,Q64,d,0,Z,M);
    cblas_dgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,d,b,M,1,X,d,Z,M,0,Q64,d);
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR,d,b,Q64,d,tau64); LAPACKE_dorgqr(LAPACK_COL_MAJOR,d,b,b,Q64,d,tau64);
  }
  // Rayleigh-Ritz: Z = X^T Q (M x b), C = Z^T Z (b x b) = Q^T G Q
  cblas_dgemm(CblasColMajor,CblasTrans,CblasNoTrans,M,b,d,1,X,d,Q64,d,0,Z,M);
  double*C=malloc(8*b*b),*ev=malloc(8*b),*Y=malloc(8*b*r),*U=malloc(8*d*r);
  cblas_dsyrk(CblasColMajor,CblasLower,CblasTrans,b,M,1,Z,M,0,C,b);
  LAPACKE_dsyevr(LAPACK_COL_MAJOR,'V','I','L',b,C,b,0,0,b-r+1,b,0,&m,ev,Y,b,sup);
  cblas_dgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,d,r,b,1,Q64,d,Y,b,0,U,d);
  double t3=now();
  { // residual R = X (X^T U) - U diag(theta) for the top r (ev ascending: top r are ev[b-r..b-1]? m=r found)
    double*PX=malloc(8*M*r),*GU=malloc(8*d*r);
    cblas_dgemm(CblasColMajor,CblasTrans,CblasNoTrans,M,r,d,1,X,d,U,d,0,PX,M);
    cblas_dgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,d,r,M,1,X,d,PX,M,0,GU,d);
    double rf=0; for(int j=0;j<r;j++)for(int i=0;i<d;i++){double e=GU[j*d+i]-ev[j]*U[j*d+i]; rf+=e*e;}
    double lam_r=ev[0], lam_top=ev[r-1];
    rsd=sqrt(rf)/lam_top; gapr=(lam_r-w2next)/lam_top;
    free(PX);free(GU);
  }
  double t3b=now(); t3=t3b;
  // reorder U to descending (dsyevr ascending) - dmd eigenvalues are order independent
  dmd(X,U,lnew);
  double t4=now();
  if(rep==2)printf(" b %d it32 %d it64 %d: gram32 %.1f ms, iter32 %.1f ms, f64+RR %.1f ms, dmd %.1f ms; total %.1f; sigma err %.2e, max|dl| %.2e |R|/l1 %.2e gap/l1 %.2e\n",b,it32,it64,
    (t1-t0)*1e3,(t2-t1)*1e3,(t3-t2)*1e3,(t4-t3)*1e3,(t4-t0)*1e3, fabs(ev[0]-w[0])/w[r-1], maxdist(lref,lnew),rsd,gapr);
  free(G32);free(Q);free(Q64);free(Z);free(tau64);free(C);free(ev);free(Y);free(U);
  }
  free(X);free(G);free(w);free(Ur);free(sup);
  }
}
