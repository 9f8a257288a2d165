;; Hot loops of the active-set solver in WebAssembly SIMD (f64x2), since V8 does not vectorize plain
;; TypeScript loops: the gradient over all concepts (c × |support| multiply-adds per iteration) and the
;; triangular solves with the support's Cholesky factor.
;; All pointers are byte offsets into the shared memory; `stride` (a row length in doubles) is even.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; g[0..stride) = b[0..stride) − Σ_i w[i] · G[rows[i]·stride + 0..stride)
  (func (export "gradient")
    (param $stride i32) (param $gram i32) (param $rows i32) (param $w i32) (param $s i32) (param $b i32) (param $g i32)
    (local $rowBytes i32) (local $i i32) (local $j i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 3)))
    (memory.copy (local.get $g) (local.get $b) (local.get $rowBytes))
    ;; four support rows per pass: g is loaded and stored once per four rows
    (block $end4
      (loop $next4
        (br_if $end4 (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $s)))
        (local.set $o0 (call $rowOffset (local.get $gram) (local.get $rows) (local.get $i) (local.get $rowBytes)))
        (local.set $o1 (call $rowOffset (local.get $gram) (local.get $rows) (i32.add (local.get $i) (i32.const 1)) (local.get $rowBytes)))
        (local.set $o2 (call $rowOffset (local.get $gram) (local.get $rows) (i32.add (local.get $i) (i32.const 2)) (local.get $rowBytes)))
        (local.set $o3 (call $rowOffset (local.get $gram) (local.get $rows) (i32.add (local.get $i) (i32.const 3)) (local.get $rowBytes)))
        (local.set $a0 (f64x2.splat (call $weight (local.get $w) (local.get $i))))
        (local.set $a1 (f64x2.splat (call $weight (local.get $w) (i32.add (local.get $i) (i32.const 1)))))
        (local.set $a2 (f64x2.splat (call $weight (local.get $w) (i32.add (local.get $i) (i32.const 2)))))
        (local.set $a3 (f64x2.splat (call $weight (local.get $w) (i32.add (local.get $i) (i32.const 3)))))
        (local.set $j (i32.const 0))
        (block $endj
          (loop $nextj
            (br_if $endj (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $g) (local.get $j))
              (f64x2.sub (v128.load (i32.add (local.get $g) (local.get $j)))
                (f64x2.add
                  (f64x2.add (f64x2.mul (local.get $a0) (v128.load (i32.add (local.get $o0) (local.get $j))))
                             (f64x2.mul (local.get $a1) (v128.load (i32.add (local.get $o1) (local.get $j)))))
                  (f64x2.add (f64x2.mul (local.get $a2) (v128.load (i32.add (local.get $o2) (local.get $j))))
                             (f64x2.mul (local.get $a3) (v128.load (i32.add (local.get $o3) (local.get $j))))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $nextj)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next4)))
    ;; the remaining 0–3 rows one at a time
    (block $end1
      (loop $next1
        (br_if $end1 (i32.ge_s (local.get $i) (local.get $s)))
        (local.set $o0 (call $rowOffset (local.get $gram) (local.get $rows) (local.get $i) (local.get $rowBytes)))
        (local.set $a0 (f64x2.splat (call $weight (local.get $w) (local.get $i))))
        (local.set $j (i32.const 0))
        (block $endj1
          (loop $nextj1
            (br_if $endj1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $g) (local.get $j))
              (f64x2.sub (v128.load (i32.add (local.get $g) (local.get $j)))
                (f64x2.mul (local.get $a0) (v128.load (i32.add (local.get $o0) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $nextj1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next1)))
  )

  ;; Forward substitution L·y = v for the leading k×k block of a row-major lower-triangular L (row length
  ;; `stride`): y[i] = (v[i] − L[i,0..i)·y[0..i)) / L[i,i], each dot product two lanes at a time.
  (func (export "forwardSolve")
    (param $l i32) (param $stride i32) (param $k i32) (param $v i32) (param $y i32)
    (local $i i32) (local $row i32) (local $acc v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $j i32) (local $end i32) (local $sum f64)
    (block $done
      (loop $nexti
        (br_if $done (i32.ge_s (local.get $i) (local.get $k)))
        (local.set $row (i32.add (local.get $l) (i32.shl (i32.mul (local.get $i) (local.get $stride)) (i32.const 3))))
        (local.set $acc (v128.const f64x2 0 0))
        (local.set $acc1 (v128.const f64x2 0 0))
        (local.set $acc2 (v128.const f64x2 0 0))
        (local.set $acc3 (v128.const f64x2 0 0))
        (local.set $end (i32.shl (i32.and (local.get $i) (i32.const -2)) (i32.const 3)))
        (local.set $j (i32.const 0))
        ;; eight elements per step into four independent sums, so the additions do not wait on each other
        (block $endj8
          (loop $nextj8
            (br_if $endj8 (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $end)))
            (local.set $acc (f64x2.add (local.get $acc)
              (f64x2.mul (v128.load (i32.add (local.get $row) (local.get $j))) (v128.load (i32.add (local.get $y) (local.get $j))))))
            (local.set $acc1 (f64x2.add (local.get $acc1)
              (f64x2.mul (v128.load offset=16 (i32.add (local.get $row) (local.get $j))) (v128.load offset=16 (i32.add (local.get $y) (local.get $j))))))
            (local.set $acc2 (f64x2.add (local.get $acc2)
              (f64x2.mul (v128.load offset=32 (i32.add (local.get $row) (local.get $j))) (v128.load offset=32 (i32.add (local.get $y) (local.get $j))))))
            (local.set $acc3 (f64x2.add (local.get $acc3)
              (f64x2.mul (v128.load offset=48 (i32.add (local.get $row) (local.get $j))) (v128.load offset=48 (i32.add (local.get $y) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 64)))
            (br $nextj8)))
        (local.set $acc (f64x2.add (f64x2.add (local.get $acc) (local.get $acc1)) (f64x2.add (local.get $acc2) (local.get $acc3))))
        (block $endj
          (loop $nextj
            (br_if $endj (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $acc (f64x2.add (local.get $acc)
              (f64x2.mul (v128.load (i32.add (local.get $row) (local.get $j))) (v128.load (i32.add (local.get $y) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $nextj)))
        (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
        ;; odd i: one element left before the diagonal
        (if (i32.and (local.get $i) (i32.const 1))
          (then (local.set $sum (f64.add (local.get $sum)
            (f64.mul (f64.load (i32.add (local.get $row) (local.get $end))) (f64.load (i32.add (local.get $y) (local.get $end))))))))
        (f64.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3)))
          (f64.div (f64.sub (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))) (local.get $sum))
                   (f64.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nexti)))
  )

  ;; Back substitution Lᵀ·x = y in place, column-oriented so it reads rows of L: x[i] = y[i] / L[i,i], then
  ;; y[0..i) −= x[i]·L[i,0..i).
  (func (export "backSolve")
    (param $l i32) (param $stride i32) (param $k i32) (param $y i32)
    (local $i i32) (local $row i32) (local $x f64) (local $xv v128) (local $j i32) (local $end i32)
    (local.set $i (i32.sub (local.get $k) (i32.const 1)))
    (block $done
      (loop $nexti
        (br_if $done (i32.lt_s (local.get $i) (i32.const 0)))
        (local.set $row (i32.add (local.get $l) (i32.shl (i32.mul (local.get $i) (local.get $stride)) (i32.const 3))))
        (local.set $x (f64.div (f64.load (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))
                               (f64.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))))
        (f64.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))) (local.get $x))
        (local.set $xv (f64x2.splat (local.get $x)))
        (local.set $end (i32.shl (i32.and (local.get $i) (i32.const -2)) (i32.const 3)))
        (local.set $j (i32.const 0))
        (block $endj
          (loop $nextj
            (br_if $endj (i32.ge_u (local.get $j) (local.get $end)))
            (v128.store (i32.add (local.get $y) (local.get $j))
              (f64x2.sub (v128.load (i32.add (local.get $y) (local.get $j)))
                         (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $row) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $nextj)))
        (if (i32.and (local.get $i) (i32.const 1))
          (then (f64.store (i32.add (local.get $y) (local.get $end))
            (f64.sub (f64.load (i32.add (local.get $y) (local.get $end)))
                     (f64.mul (local.get $x) (f64.load (i32.add (local.get $row) (local.get $end))))))))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $nexti)))
  )

  ;; byte offset of Gram row rows[i]
  (func $rowOffset (param $gram i32) (param $rows i32) (param $i i32) (param $rowBytes i32) (result i32)
    (i32.add (local.get $gram)
      (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))

  (func $weight (param $w i32) (param $i i32) (result f64)
    (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
)
