// What the libFuzzer harnesses share: finding libFuzzer's driver in the process, and a scratch
// file per process for each input (fork mode's workers never share one).
import Foundation

public enum FuzzDriver {
    /// libFuzzer's `int LLVMFuzzerTestOneInput(const uint8_t *, size_t)`.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// libFuzzer's `LLVMFuzzerRunDriver(int *argc, char ***argv, int (*)(const uint8_t *, size_t))`.
    typealias RunDriver = @convention(c) (UnsafeMutablePointer<CInt>,
        UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>, TestOneInput) -> CInt

    /// Hands the command line to libFuzzer's driver, linked in by `-sanitize=fuzzer`; status 2 with
    /// a message naming `program` where it is not.
    public static func run(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, program: String,
                           test: TestOneInput) -> CInt {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "LLVMFuzzerRunDriver") else {
            FileHandle.standardError.write(Data("\(program): built without libFuzzer (-sanitize=fuzzer)\n".utf8))
            return 2
        }
        let driver = unsafeBitCast(symbol, to: RunDriver.self)
        var count = argc, arguments = argv
        return driver(&count, &arguments, test)
    }

    /// Writes the `size` bytes at `data` to this process's scratch file named `name` and returns
    /// its path, or nil when it cannot be written.
    public static func scratch(_ data: UnsafePointer<UInt8>?, _ size: Int, name: String) -> String? {
        let path = NSTemporaryDirectory() + "\(name)-\(getpid())"
        let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
        return FileManager.default.createFile(atPath: path, contents: bytes) ? path : nil
    }
}
