/**
 * What the built-in scanner finds in an image, shared by the layer walker, the package analyzers,
 * the vulnerability matcher and the SBOM writers.
 */

/** Where a package's metadata came from; decides the OSV ecosystem it is matched in. */
export type PackageType = 'dpkg' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'gobinary' | 'jar' | 'cargo' | 'nuget' | 'composer' | 'gemspec';

/** One installed package, as read from one file of one layer. */
export interface InstalledPackage {
  readonly type: PackageType;
  /** Binary package name (dpkg/apk/rpm), npm name, PEP 503-normalised PyPI name, Go module path, Maven `group:artifact`. */
  readonly name: string;
  readonly version: string;
  /** OS packages: the source package (dpkg `Source:`, apk origin `o:`, rpm SOURCERPM name), which OS advisories are keyed by. */
  readonly sourceName?: string;
  readonly sourceVersion?: string;
  readonly arch?: string;
  readonly licenses?: readonly string[];
  /** Package URL (purl spec), for SBOMs. */
  readonly purl: string;
  /** The file inside the image the package was read from, without a leading `/`. */
  readonly path: string;
}

/** A package and the layer whose file brought it (the layer's blob digest and diff id). */
export interface LayeredPackage extends InstalledPackage {
  readonly layerDigest: string;
  readonly layerDiffId?: string;
}

/** The operating system the image's files say it is (os-release ID / VERSION_ID, alpine-release, debian_version). */
export interface OperatingSystem {
  /** os-release `ID`: `debian`, `ubuntu`, `alpine`, `rhel`, `fedora`, `almalinux`, `rocky`, `amzn`, `opensuse-leap`, `wolfi`… */
  readonly family: string;
  /** os-release `VERSION_ID` (or alpine-release, debian_version, the apk repository branch for `edge`). */
  readonly version: string;
  readonly prettyName?: string;
}

/** Everything the layer walk found in one image manifest. */
export interface ImageInventory {
  readonly os?: OperatingSystem;
  readonly packages: readonly LayeredPackage[];
  readonly layers: readonly { readonly digest: string; readonly diffId?: string; readonly mediaType: string }[];
}

/** A regular file of a layer handed to an analyzer. `content` is bounded by the analyzer's `maxBytes`. */
export interface AnalyzedFile {
  /** Cleaned path without a leading `/` or `./`. */
  readonly path: string;
  readonly size: number;
  /** Unix permission bits (executables matter to the Go and Rust binary analyzers). */
  readonly mode: number;
  readonly content: Buffer;
}

/**
 * Reads packages out of files it recognises by path. The walker asks `wants` for every regular file
 * of every layer and reads only the files wanted, at most `maxBytes` of each (larger files are
 * skipped and counted). Analyzers are pure: no I/O, no state between calls.
 */
export interface FileAnalyzer {
  readonly name: string;
  readonly maxBytes: number;
  wants(path: string, size: number, mode: number): boolean;
  analyze(file: AnalyzedFile): InstalledPackage[];
}
