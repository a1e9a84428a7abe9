/// im2col / col2im: the rearrangements that turn a convolution into a GEMM.
///
/// For one image, the column matrix has one row per weight tap and one column
/// per output pixel:
///
///   col[(c·kH + kh)·kW + kw, oh·outW + ow] = input[c, oh·strideH − padH + kh, ow·strideW − padW + kw]
///
/// (zero where the tap falls in the padding), so that
/// output[outC, outH·outW] = weight[outC, inC·kH·kW] · col.

/// Fills `col` [inC·kH·kW, outH·outW] from one image `input` [inC, inH, inW].
public func im2col(_ input: UnsafePointer<Float>, geometry g: Conv2DGeometry, into col: UnsafeMutablePointer<Float>) {
    let outH = g.outHeight, outW = g.outWidth
    var row = col
    for c in 0..<g.inChannels {
        let plane = input + c * g.inHeight * g.inWidth
        for kh in 0..<g.kernelHeight {
            for kw in 0..<g.kernelWidth {
                let (owStart, owEnd) = validOutputRange(tap: kw, stride: g.strideW, pad: g.padW,
                                                        inSize: g.inWidth, outSize: outW)
                for oh in 0..<outH {
                    let dst = row + oh * outW
                    let ih = oh * g.strideH - g.padH + kh
                    guard ih >= 0 && ih < g.inHeight && owStart < owEnd else {
                        dst.update(repeating: 0, count: outW)
                        continue
                    }
                    dst.update(repeating: 0, count: owStart)
                    let src = plane + ih * g.inWidth - g.padW + kw
                    if g.strideW == 1 {
                        (dst + owStart).update(from: src + owStart, count: owEnd - owStart)
                    } else {
                        for ow in owStart..<owEnd { dst[ow] = src[ow * g.strideW] }
                    }
                    (dst + owEnd).update(repeating: 0, count: outW - owEnd)
                }
                row += outH * outW
            }
        }
    }
}

/// The adjoint of `im2col`: adds every entry of `col` [inC·kH·kW, outH·outW]
/// into the input position it was copied from, `dInput` [inC, inH, inW]
/// (accumulates; taps in the padding are dropped).
public func col2imAccumulate(_ col: UnsafePointer<Float>, geometry g: Conv2DGeometry,
                             into dInput: UnsafeMutablePointer<Float>) {
    let outH = g.outHeight, outW = g.outWidth
    var row = col
    for c in 0..<g.inChannels {
        let plane = dInput + c * g.inHeight * g.inWidth
        for kh in 0..<g.kernelHeight {
            for kw in 0..<g.kernelWidth {
                let (owStart, owEnd) = validOutputRange(tap: kw, stride: g.strideW, pad: g.padW,
                                                        inSize: g.inWidth, outSize: outW)
                for oh in 0..<outH {
                    let ih = oh * g.strideH - g.padH + kh
                    guard ih >= 0 && ih < g.inHeight else { continue }
                    let src = row + oh * outW
                    let dst = plane + ih * g.inWidth - g.padW + kw
                    if g.strideW == 1 {
                        for ow in owStart..<owEnd { dst[ow] += src[ow] }
                    } else {
                        for ow in owStart..<owEnd { dst[ow * g.strideW] += src[ow] }
                    }
                }
                row += outH * outW
            }
        }
    }
}

/// The output positions o in 0..<outSize whose tap `o·stride − pad + tap`
/// lands inside 0..<inSize, as (start, end) with start <= end.
@inline(__always)
func validOutputRange(tap: Int, stride: Int, pad: Int, inSize: Int, outSize: Int) -> (Int, Int) {
    // First o with o·stride ≥ pad − tap; last o with o·stride ≤ inSize − 1 + pad − tap.
    let low = pad - tap
    let start = low <= 0 ? 0 : (low + stride - 1) / stride
    let high = inSize - 1 + pad - tap
    let end = high < 0 ? 0 : min(outSize, high / stride + 1)
    let clampedStart = min(start, outSize)
    return (clampedStart, max(clampedStart, end))
}
