import Foundation
import Testing
@testable import KoopScope

/// Every rejection rule of DUMP-FORMAT.md, on a file h5py wrote.
@Suite("Malformed dumps are refused with the file and the dataset named")
struct DumpRejectionTests {
    func error(opening name: String) -> DumpError? {
        do {
            _ = try Dump(path: fixturePath("malformed/" + name))
            return nil
        } catch let error as DumpError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        ("not-hdf5.h5", "not an HDF5 file"),
        ("truncated.h5", "truncated"),
        ("no-states.h5", "neither /hidden_states"),
        ("both-layouts.h5", "both /hidden_states and /trajectories"),
        ("states-is-group.h5", "/hidden_states: must be a dataset"),
        ("padded-rank2.h5", "/hidden_states: has rank 2, expected 3"),
        ("ragged-rank3.h5", "/trajectories/1: has rank 3, expected 2"),
        ("lengths-too-long.h5", "/lengths: length 6 of trajectory 1 is outside 0…5"),
        ("lengths-negative.h5", "/lengths: length -1 of trajectory 1"),
        ("lengths-wrong-count.h5", "/lengths: has 2 entries, but the dump holds 3"),
        ("rewards-wrong-count.h5", "/rewards: has 4 entries, but the dump holds 3"),
        ("group-ids-float.h5", "/group_ids: must hold integers"),
        ("ragged-differing-d.h5", "/trajectories/1: state dimension d = 5 differs"),
        ("ragged-gap.h5", "/trajectories: 2 members but no \"1\""),
        ("ragged-bad-name.h5", "/trajectories: member \"01\""),
        ("int32-states.h5", "/hidden_states: unsupported element type: int32"),
        ("uint16-without-dtype.h5", "uint16 without attribute dtype = \"bfloat16\""),
        // Found by fuzzing: HDF5 1.10 would allocate 4 GB converting it before failing.
        ("states-declared-huge.h5", "/hidden_states: 2147483648 states per trajectory, past the bound 1073741824"),
        ("advantages-huge-element-type.h5", "/advantages: HDF5 error: H5Dread(advantages) failed: its elements are declared 4278190088 bytes wide"),
    ])
    func rejection(name: String, message: String) throws {
        let error = try #require(self.error(opening: name), "\(name) must be refused")
        #expect(error.file.hasSuffix("malformed/" + name))
        #expect(error.description.hasPrefix(error.file + ": "))
        #expect(error.description.contains(message), "\(error.description)")
    }

    @Test func missingFileAndDirectory() {
        #expect(throws: DumpError.fileNotFound(file: "/nonexistent/dump.h5")) {
            try Dump(path: "/nonexistent/dump.h5")
        }
        #expect(throws: DumpError.notHDF5(file: fixturesURL.path)) { try Dump(path: fixturesURL.path) }
    }
}
