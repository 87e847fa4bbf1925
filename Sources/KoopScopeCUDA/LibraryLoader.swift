import Foundation

/// Finds and opens CUDA's shared libraries at run time (nothing of CUDA is needed to build).
///
/// Search order for each library: the directories of `KOOPSCOPE_CUDA_LIBRARY_PATH`
/// (colon-separated), then the dynamic loader's own search (`LD_LIBRARY_PATH`, `ldconfig`), then
/// `/usr/local/cuda/lib64`, `/usr/local/cuda/targets/x86_64-linux/lib`, the system library
/// directories, and the `nvidia/*/lib` folders of pip-installed CUDA in the usual Python
/// `site-packages` (system, `~/.local`, `$VIRTUAL_ENV`, `$CONDA_PREFIX`).
///
/// ```swift
/// let driver = try LibraryLoader.open(["libcuda.so.1"], environment: ProcessInfo.processInfo.environment)
/// ```
public enum LibraryLoader {
    /// An opened library and where it came from.
    public struct Library: @unchecked Sendable {
        public let name: String
        public let path: String
        let handle: UnsafeMutableRawPointer

        /// The function `symbol` as a C function pointer of type `F`.
        public func function<F>(_ symbol: String, as type: F.Type) throws -> F {
            guard let address = dlsym(handle, symbol) else { throw CUDAError.symbolMissing(library: name, symbol: symbol) }
            return unsafeBitCast(address, to: F.self)
        }
    }

    /// The directories searched after the loader's own search, in order.
    public static func searchDirectories(environment: [String: String]) -> [String] {
        var directories = (environment["KOOPSCOPE_CUDA_LIBRARY_PATH"] ?? "").split(separator: ":").map(String.init)
        directories += ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
                        "/usr/lib64", "/usr/lib/wsl/lib"]
        var sitePackages = ["/usr/lib", "/usr/local/lib"].flatMap { base in
            pythonFolders(in: base).flatMap { ["\($0)/site-packages", "\($0)/dist-packages"] }
        }
        if let home = environment["HOME"] { sitePackages += pythonFolders(in: home + "/.local/lib").map { $0 + "/site-packages" } }
        for variable in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
            if let prefix = environment[variable] {
                sitePackages += pythonFolders(in: prefix + "/lib").map { $0 + "/site-packages" }
                directories.append(prefix + "/lib")
            }
        }
        for site in sitePackages {
            let nvidia = site + "/nvidia"
            for package in ((try? FileManager.default.contentsOfDirectory(atPath: nvidia)) ?? []).sorted() {
                directories.append("\(nvidia)/\(package)/lib")
            }
        }
        return directories
    }

    /// Opens the first of `names` found (an explicit directory from the environment first, then
    /// the loader's search, then ``searchDirectories(environment:)``).
    public static func open(_ names: [String], environment: [String: String]) throws -> Library {
        var tried: [String] = []
        let explicit = (environment["KOOPSCOPE_CUDA_LIBRARY_PATH"] ?? "").split(separator: ":").map(String.init)
        func attempt(_ path: String) -> Library? {
            tried.append(path)
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else { return nil }
            return Library(name: names[0], path: path, handle: handle)
        }
        for name in names {
            for directory in explicit { if let l = attempt("\(directory)/\(name)") { return l } }
        }
        for name in names { if let l = attempt(name) { return l } }
        let directories = Array(searchDirectories(environment: environment).dropFirst(explicit.count))
        for name in names {
            for directory in directories {
                guard FileManager.default.fileExists(atPath: "\(directory)/\(name)") else { continue }
                if let l = attempt("\(directory)/\(name)") { return l }
            }
        }
        tried.append("the directories " + directories.joined(separator: ", "))
        throw CUDAError.libraryNotFound(library: names.joined(separator: " or "), tried: tried)
    }

    private static func pythonFolders(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("python3") }.sorted().map { "\(directory)/\($0)" }
    }
}
