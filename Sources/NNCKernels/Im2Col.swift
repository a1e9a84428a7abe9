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
    // Stride 1 and "same" width: each row of col is the image plane shifted.
    let sameWidth = g.strideH == 1 && g.strideW == 1 && outW == g.inWidth
    var row = col
    for c in 0..<g.inChannels {
        let plane = input + c * g.inHeight * g.inWidth
        for kh in 0..<g.kernelHeight {
            for kw in 0..<g.kernelWidth {
                let (owStart, owEnd) = validOutputRange(tap: kw, stride: g.strideW, pad: g.padW,
                                                        inSize: g.inWidth, outSize: outW)
                if sameWidth {
                    copyShiftedPlane(plane, kh: kh, kw: kw, owStart: owStart, owEnd: owEnd, geometry: g, into: row)
                    row += outH * outW
                    continue
                }
                for oh in 0..<outH {
                    let dst = row + oh * outW
                    let ih = oh * g.strideH - g.padH + kh
                    guard ih >= 0 && ih < g.inHeight && owStart < owEnd else {
                        dst.update(repeating: 0, count: outW)
                        continue
                    }
                    // The padding margins are a few elements: plain stores
                    // beat a memset call.
                    for ow in 0..<owStart { dst[ow] = 0 }
                    let src = plane + ih * g.inWidth - g.padW + kw
                    if g.strideW == 1 {
                        (dst + owStart).update(from: src + owStart, count: owEnd - owStart)
                    } else {
                        for ow in owStart..<owEnd { dst[ow] = src[ow * g.strideW] }
                    }
                    for ow in owEnd..<outW { dst[ow] = 0 }
                }
                row += outH * outW
            }
        }
    }
}

/// One row of col for tap (kh, kw) when stride is 1 and outW == inW: the
/// plane shifted by (kh − padH) rows and (kw − padW) columns. One long copy of
/// the rows that hit the image, then zeros over the rows in the padding and
/// over the few columns per row that wrapped around the row ends.
@inline(__always)
private func copyShiftedPlane(_ plane: UnsafePointer<Float>, kh: Int, kw: Int, owStart: Int, owEnd: Int,
                              geometry g: Conv2DGeometry, into dst: UnsafeMutablePointer<Float>) {
    let width = g.inWidth, outH = g.outHeight
    let (ohStart, ohEnd) = validOutputRange(tap: kh, stride: 1, pad: g.padH, inSize: g.inHeight, outSize: outH)
    dst.update(repeating: 0, count: ohStart * width)
    (dst + ohEnd * width).update(repeating: 0, count: (outH - ohEnd) * width)
    guard ohStart < ohEnd else { return }
    let shift = (kh - g.padH) * width + (kw - g.padW)
    // Clip to the plane; the clipped-off elements are wrapped columns.
    let low = max(ohStart * width, -shift)
    let high = min(ohEnd * width, g.inHeight * width - shift)
    if low < high { (dst + low).update(from: plane + low + shift, count: high - low) }
    for oh in ohStart..<ohEnd {
        let line = dst + oh * width
        for ow in 0..<owStart { line[ow] = 0 }
        for ow in owEnd..<width { line[ow] = 0 }
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
