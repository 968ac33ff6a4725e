// ribbit's native addon: a small, generic bridge from Node.js to libtorch.
//
// Everything model-specific lives in TypeScript. This file only:
//   * wraps an at::Tensor in a type-tagged N-API external (a "handle"), reporting the memory it owns to V8;
//   * looks up any ATen operator by schema name and calls it boxed through the c10 dispatcher, converting
//     JS values to IValues by the schema's declared argument types (so autograd, CPU and CUDA kernels all
//     apply as in PyTorch);
//   * exposes the few things that are not dispatcher ops: tensor <-> bytes, autograd backward/grad,
//     grad mode, seeds, threads (libtorch's and the BLAS library's), CUDA presence.
// Every libtorch exception becomes a JS Error naming the operator and the argument shapes.
//
// Worker threads: each Node environment (the main thread and every worker_threads Worker) that loads the
// addon runs Init and gets its own AddonState as N-API instance data; the shim holds no process-global
// mutable state, so an environment's op ids never change under another's feet, and a Worker's state is
// freed when it exits. A Worker also draws random numbers from a generator of its own (ownGenerator()), so
// that seeding or sampling in one thread never shifts another's stream; the BLAS thread pool and the
// generator that libtorch kernels use without a generator argument (aten::dropout; ribbit's CPU dropout draws
// through random_, which takes one) stay process-wide.

#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string kTorchVersion = TORCH_VERSION;

// ---------------------------------------------------------------------------------------------
// Tensor handles
//
// External memory: V8 schedules full garbage collections by the native memory its objects report, so a
// handle reports only memory it owns, once: the bytes of its storage when it is the only reference to its
// tensor and the tensor the only user of its storage, at the time it starts reporting (a fresh op output,
// a loaded tensor). A view, an in-place op's result, a parameter's .grad or a tensor autograd also holds
// report nothing: another owner accounts for (or bounds) that memory. Handles made while a tidy() scope is
// open report nothing either: the scope frees them deterministically, and reporting them only made V8 run
// full collections that could free nothing (~20 per Glow-TTS training step). A scoped tensor that outlives
// its scopes (returned to the top level, or keep()-ed) starts reporting then (reportMemory).

const napi_type_tag kTensorTag = {0x7269626269740001ULL, 0x74656e736f720001ULL};  // "ribbit" "tensor"

struct TensorBox {
  at::Tensor tensor;
  int64_t reportedBytes = 0;
};

/** Bytes of `t`'s storage if this is the only reference to `t` and `t` its storage's only user, else 0. */
int64_t ownedBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage() || t.use_count() != 1) return 0;
  const auto& storage = t.storage();
  if (!storage || storage.use_count() != 1) return 0;
  return static_cast<int64_t>(storage.nbytes());
}

/** Starts reporting `box`'s owned bytes to V8 (no-op if it already does or owns none). */
void reportOwned(Napi::Env env, TensorBox* box) {
  if (box->reportedBytes || !box->tensor.defined()) return;
  box->reportedBytes = ownedBytes(box->tensor);
  if (box->reportedBytes) Napi::MemoryManagement::AdjustExternalMemory(env, box->reportedBytes);
}

void finalizeBox(Napi::Env env, TensorBox* box) {
  if (box->reportedBytes) Napi::MemoryManagement::AdjustExternalMemory(env, -box->reportedBytes);
  delete box;
}

/**
 * A handle for `tensor` (pass it moved: a copy left alive elsewhere makes it look shared). It reports its
 * owned bytes now if `report`; if `later` is given instead, the box is added to it, for the caller to report
 * once it has dropped its own references (callOp's stack).
 */
Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor, bool report, std::vector<TensorBox*>* later = nullptr) {
  if (!tensor.defined()) return env.Null();
  auto* box = new TensorBox{std::move(tensor), 0};
  auto ext = Napi::External<TensorBox>::New(env, box, finalizeBox);
  ext.TypeTag(&kTensorTag);
  if (later) later->push_back(box);
  else if (report) reportOwned(env, box);
  return ext;
}

bool isTensorHandle(const Napi::Value& v) {
  if (!v.IsExternal()) return false;
  return v.As<Napi::External<TensorBox>>().CheckTypeTag(&kTensorTag);
}

TensorBox* boxOf(const Napi::Value& v, const char* what) {
  if (!isTensorHandle(v)) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a tensor handle");
  }
  return v.As<Napi::External<TensorBox>>().Data();
}

const at::Tensor& tensorOf(const Napi::Value& v, const char* what) {
  TensorBox* box = boxOf(v, what);
  if (!box->tensor.defined()) {
    throw Napi::Error::New(v.Env(), std::string(what) + ": the tensor was disposed and cannot be used again");
  }
  return box->tensor;
}

std::string describeTensor(const at::Tensor& t) {
  if (!t.defined()) return "<disposed>";
  std::ostringstream s;
  s << "[";
  for (int64_t i = 0; i < t.dim(); ++i) s << (i ? ", " : "") << t.size(i);
  s << "] " << c10::toString(t.scalar_type());
  if (!t.device().is_cpu()) s << " " << t.device();
  return s.str();
}

std::string describeValue(const Napi::Value& v) {
  if (isTensorHandle(v)) return describeTensor(v.As<Napi::External<TensorBox>>().Data()->tensor);
  if (v.IsArray()) {
    auto a = v.As<Napi::Array>();
    std::string out = "(";
    for (uint32_t i = 0; i < a.Length() && i < 8; ++i) out += (i ? ", " : "") + describeValue(a.Get(i));
    if (a.Length() > 8) out += ", ...";
    return out + ")";
  }
  if (v.IsNull() || v.IsUndefined()) return "None";
  if (v.IsString()) return "'" + v.As<Napi::String>().Utf8Value() + "'";
  return v.ToString().Utf8Value();
}

// ---------------------------------------------------------------------------------------------
// Operators: lookup by schema name, argument conversion by declared type, boxed call.

enum class Kind {
  Tensor, TensorList, OptTensorList, Int, IntList, Float, FloatList, Bool, BoolList, Scalar, ScalarList,
  String, Device, Generator, Other
};

struct ArgSpec {
  std::string name;
  Kind kind;
  bool optional;
  int64_t n;  // fixed list length (int[2]), 0 if none
  c10::optional<c10::IValue> defaultValue;
};

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;
  std::vector<ArgSpec> args;
  size_t numReturns;
  bool takesGenerator;  // has a Generator? argument (rand, randn, normal, bernoulli, multinomial, ...)
  bool returnsInput = false;  // a return is an input written in place (`Tensor(a!)`: in-place and out= ops)
};

/** Everything one Node environment (main thread or Worker) owns: its operator table, indexed by op id. */
struct AddonState {
  std::vector<OpEntry> ops;
  /** The CPU generator of this environment: libtorch's default one, or a Worker's own after ownGenerator(). */
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  bool ownGenerator = false;
  /** True while a tidy() scope is open in this environment (set by JS): new handles then report nothing. */
  bool scopeOpen = false;
};

AddonState& stateOf(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

/** A handle for `tensor`, reporting its owned bytes unless a scope is open. */
Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  return wrapTensor(env, std::move(tensor), !stateOf(env).scopeOpen);
}

Kind kindOf(const c10::TypePtr& type) {
  using c10::TypeKind;
  switch (type->kind()) {
    case TypeKind::TensorType: return Kind::Tensor;
    case TypeKind::IntType:
    case TypeKind::SymIntType:
    case TypeKind::ScalarTypeType:
    case TypeKind::LayoutType:
    case TypeKind::MemoryFormatType: return Kind::Int;
    case TypeKind::FloatType: return Kind::Float;
    case TypeKind::BoolType: return Kind::Bool;
    case TypeKind::NumberType: return Kind::Scalar;
    case TypeKind::StringType: return Kind::String;
    case TypeKind::DeviceObjType: return Kind::Device;
    case TypeKind::GeneratorType: return Kind::Generator;
    case TypeKind::ListType: {
      auto elem = type->castRaw<c10::ListType>()->getElementType();
      if (elem->kind() == TypeKind::OptionalType) {
        auto inner = elem->castRaw<c10::OptionalType>()->getElementType();
        if (inner->kind() == TypeKind::TensorType) return Kind::OptTensorList;
        return Kind::Other;
      }
      switch (kindOf(elem)) {
        case Kind::Tensor: return Kind::TensorList;
        case Kind::Int: return Kind::IntList;
        case Kind::Float: return Kind::FloatList;
        case Kind::Bool: return Kind::BoolList;
        case Kind::Scalar: return Kind::ScalarList;
        default: return Kind::Other;
      }
    }
    default: return Kind::Other;
  }
}

/** findOp(name, overload) -> op id. Throws if the schema does not exist. */
Napi::Value FindOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  auto found = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!found.has_value()) {
    throw Napi::Error::New(env, "no ATen operator named '" + name + (overload.empty() ? "" : "." + overload) +
                                    "' in this libtorch (" + kTorchVersion + ")");
  }
  const auto& schema = found->schema();
  OpEntry entry{*found, name + (overload.empty() ? "" : "." + overload), {}, schema.returns().size(), false};
  for (const auto& r : schema.returns()) {
    entry.returnsInput = entry.returnsInput || (r.alias_info() != nullptr && r.alias_info()->isWrite());
  }
  for (const auto& a : schema.arguments()) {
    ArgSpec spec;
    spec.name = a.name();
    auto type = a.type();
    spec.optional = type->kind() == c10::TypeKind::OptionalType;
    if (spec.optional) type = type->castRaw<c10::OptionalType>()->getElementType();
    spec.kind = kindOf(type);
    spec.n = a.N().value_or(0);
    spec.defaultValue = a.default_value();
    entry.takesGenerator = entry.takesGenerator || spec.kind == Kind::Generator;
    entry.args.push_back(std::move(spec));
  }
  auto& ops = stateOf(env).ops;
  ops.push_back(std::move(entry));
  return Napi::Number::New(env, static_cast<double>(ops.size() - 1));
}

/** opSchema(id) -> the schema string, for error messages and generated docs. */
Napi::Value OpSchema(const Napi::CallbackInfo& info) {
  const auto& ops = stateOf(info.Env()).ops;
  const uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= ops.size()) throw Napi::Error::New(info.Env(), "opSchema: unknown operator id");
  const auto& op = ops[id];
  std::ostringstream s;
  s << op.handle.schema();
  return Napi::String::New(info.Env(), s.str());
}

/** allSchemas() -> every registered operator's schema string (used to generate the typed TS wrappers). */
Napi::Value AllSchemas(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto names = c10::Dispatcher::singleton().getAllOpNames();
  auto out = Napi::Array::New(env);
  uint32_t n = 0;
  for (const auto& name : names) {
    auto found = c10::Dispatcher::singleton().findSchema(name);
    if (!found.has_value() || !found->hasSchema()) continue;
    std::ostringstream s;
    s << found->schema();
    out.Set(n++, Napi::String::New(env, s.str()));
  }
  return out;
}

int64_t toInt(const Napi::Value& v, const std::string& where) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) {
      throw Napi::TypeError::New(v.Env(), where + ": expected an integer, got " + v.ToString().Utf8Value());
    }
    return static_cast<int64_t>(d);
  }
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Int64Value(&lossless);
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  throw Napi::TypeError::New(v.Env(), where + ": expected an integer, got " + describeValue(v));
}

double toFloat(const Napi::Value& v, const std::string& where) {
  if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue();
  if (v.IsBigInt()) {
    bool lossless;
    return static_cast<double>(v.As<Napi::BigInt>().Int64Value(&lossless));
  }
  throw Napi::TypeError::New(v.Env(), where + ": expected a number, got " + describeValue(v));
}

bool toBool(const Napi::Value& v, const std::string& where) {
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
  throw Napi::TypeError::New(v.Env(), where + ": expected a boolean, got " + describeValue(v));
}

c10::Scalar toScalar(const Napi::Value& v, const std::string& where) {
  if (v.IsBoolean()) return c10::Scalar(v.As<Napi::Boolean>().Value());
  if (v.IsBigInt()) {
    bool lossless;
    return c10::Scalar(static_cast<int64_t>(v.As<Napi::BigInt>().Int64Value(&lossless)));
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    // An integral JS number is an integer scalar, as a Python int literal is.
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
      return c10::Scalar(static_cast<int64_t>(d));
    }
    return c10::Scalar(d);
  }
  // A 0-d tensor handle also works as a scalar (Python accepts tensor.item() implicitly in a few ops).
  if (isTensorHandle(v)) return tensorOf(v, where.c_str()).item();
  throw Napi::TypeError::New(v.Env(), where + ": expected a number or boolean, got " + describeValue(v));
}

Napi::Array asArray(const Napi::Value& v, const std::string& where) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), where + ": expected an array, got " + describeValue(v));
  return v.As<Napi::Array>();
}

c10::IValue toIValue(const Napi::Value& v, const ArgSpec& spec, const std::string& opName) {
  const napi_valuetype type = v.Type();
  if (type == napi_undefined || type == napi_null) {
    if (type == napi_undefined && spec.defaultValue.has_value()) return *spec.defaultValue;
    if (spec.optional) return c10::IValue();
    throw Napi::TypeError::New(v.Env(), opName + " argument '" + spec.name + "' is required");
  }
  // Fast paths for the common argument kinds: no message strings are built unless a check fails below.
  switch (spec.kind) {
    case Kind::Tensor:
      if (type == napi_external) {
        auto ext = v.As<Napi::External<TensorBox>>();
        if (ext.CheckTypeTag(&kTensorTag) && ext.Data()->tensor.defined()) return ext.Data()->tensor;
      }
      break;
    case Kind::Int:
      if (type == napi_number) {
        double d = v.As<Napi::Number>().DoubleValue();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) return static_cast<int64_t>(d);
      }
      break;
    case Kind::Float:
      if (type == napi_number) return v.As<Napi::Number>().DoubleValue();
      break;
    case Kind::Bool:
      if (type == napi_boolean) return v.As<Napi::Boolean>().Value();
      break;
    case Kind::Scalar:
      if (type == napi_number) {
        double d = v.As<Napi::Number>().DoubleValue();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
          return c10::Scalar(static_cast<int64_t>(d));
        }
        return c10::Scalar(d);
      }
      break;
    default:
      break;
  }
  const std::string where = opName + " argument '" + spec.name + "'";
  switch (spec.kind) {
    case Kind::Tensor: return tensorOf(v, where.c_str());
    case Kind::Int: return toInt(v, where);
    case Kind::Float: return toFloat(v, where);
    case Kind::Bool: return toBool(v, where);
    case Kind::Scalar: return toScalar(v, where);
    case Kind::String: {
      if (!v.IsString()) throw Napi::TypeError::New(v.Env(), where + ": expected a string");
      return v.As<Napi::String>().Utf8Value();
    }
    case Kind::Device: {
      if (!v.IsString()) throw Napi::TypeError::New(v.Env(), where + ": expected a device string like 'cpu'");
      return c10::Device(v.As<Napi::String>().Utf8Value());
    }
    case Kind::Generator: throw Napi::TypeError::New(v.Env(), where + ": generators are not supported; pass null");
    case Kind::IntList: {
      c10::List<int64_t> out;
      if (v.IsNumber() || v.IsBigInt()) {  // int[2] stride=1 broadcasts, as in Python
        int64_t x = toInt(v, where);
        for (int64_t i = 0; i < std::max<int64_t>(spec.n, 1); ++i) out.push_back(x);
        return out;
      }
      auto a = asArray(v, where);
      out.reserve(a.Length());
      for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(toInt(a.Get(i), where));
      return out;
    }
    case Kind::FloatList: {
      c10::List<double> out;
      if (v.IsNumber()) {
        for (int64_t i = 0; i < std::max<int64_t>(spec.n, 1); ++i) out.push_back(toFloat(v, where));
        return out;
      }
      auto a = asArray(v, where);
      for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(toFloat(a.Get(i), where));
      return out;
    }
    case Kind::BoolList: {
      auto a = asArray(v, where);
      c10::List<bool> out;
      for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(toBool(a.Get(i), where));
      return out;
    }
    case Kind::ScalarList: {
      auto a = asArray(v, where);
      std::vector<c10::Scalar> out;
      for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(toScalar(a.Get(i), where));
      return out;
    }
    case Kind::TensorList: {
      auto a = asArray(v, where);
      c10::List<at::Tensor> out;
      out.reserve(a.Length());
      for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(tensorOf(a.Get(i), where.c_str()));
      return out;
    }
    case Kind::OptTensorList: {
      auto a = asArray(v, where);
      c10::List<c10::optional<at::Tensor>> out;
      for (uint32_t i = 0; i < a.Length(); ++i) {
        auto e = a.Get(i);
        if (e.IsNull() || e.IsUndefined()) out.push_back(c10::nullopt);
        else out.push_back(tensorOf(e, where.c_str()));
      }
      return out;
    }
    case Kind::Other: break;
  }
  throw Napi::TypeError::New(v.Env(), where + ": this argument type is not supported by ribbit's bridge");
}

/** Converts a returned value; its tensors' boxes go to `later` (reported by the caller, or never if null). */
Napi::Value fromIValue(Napi::Env env, const c10::IValue& v, std::vector<TensorBox*>* later) {
  if (v.isTensor()) return wrapTensor(env, v.toTensor(), false, later);
  if (v.isNone()) return env.Null();
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) out.Set(static_cast<uint32_t>(i), wrapTensor(env, list.get(i), false, later));
    return out;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    auto out = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); ++i) out.Set(static_cast<uint32_t>(i), fromIValue(env, elems[i], later));
    return out;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) out.Set(static_cast<uint32_t>(i), fromIValue(env, list[i], later));
    return out;
  }
  if (v.isScalar()) return Napi::Number::New(env, v.toScalar().toDouble());
  throw Napi::Error::New(env, std::string("cannot convert a result of type ") + v.tagKind() + " to JS");
}

std::string firstLine(const std::string& s) {
  // c10 messages carry a C++ backtrace after the first lines; keep the human part.
  std::string out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Exception raised from", 0) == 0 || line.rfind("frame #", 0) == 0) break;
    if (!out.empty()) out += " ";
    out += line;
  }
  return out;
}

std::string describeCall(const OpEntry& op, const Napi::Array& jsArgs) {
  std::string out;
  for (size_t i = 0; i < op.args.size(); ++i) {
    Napi::Value v = i < jsArgs.Length() ? jsArgs.Get(static_cast<uint32_t>(i)) : jsArgs.Env().Undefined();
    if (v.IsUndefined()) continue;
    if (!out.empty()) out += ", ";
    out += op.args[i].name + "=" + describeValue(v);
  }
  return out;
}

/**
 * A Worker's own generator goes into the op's empty Generator? slots when the op runs on the CPU (no tensor
 * or device argument elsewhere: a CUDA kernel needs a CUDA generator, and keeps libtorch's default).
 */
void injectGenerator(torch::jit::Stack& stack, const OpEntry& op, const at::Generator& generator) {
  for (const auto& v : stack) {
    if (v.isTensor() && v.toTensor().defined() && !v.toTensor().is_cpu()) return;
    if (v.isDevice() && !v.toDevice().is_cpu()) return;
    if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorList()) {
        if (t.defined() && !t.is_cpu()) return;
      }
    }
  }
  for (size_t i = 0; i < op.args.size(); ++i) {
    if (op.args[i].kind == Kind::Generator && stack[i].isNone()) stack[i] = c10::IValue(generator);
  }
}

/** callOp(id, args[]) -> result (a handle, a list, a number, ..., or undefined for no return). */
Napi::Value CallOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  const AddonState& state = stateOf(env);
  const auto& ops = state.ops;
  if (id >= ops.size()) throw Napi::Error::New(env, "callOp: unknown operator id");
  const OpEntry& op = ops[id];
  Napi::Array jsArgs = info[1].As<Napi::Array>();
  const uint32_t given = jsArgs.Length();
  if (given > op.args.size()) {
    std::ostringstream s;
    s << op.name << " takes " << op.args.size() << " arguments, got " << given << " [inputs: ";
    for (uint32_t i = 0; i < given; ++i) s << (i ? ", " : "") << describeValue(jsArgs.Get(i));
    s << "]";
    throw Napi::TypeError::New(env, s.str());
  }
  torch::jit::Stack stack;
  stack.reserve(op.args.size());
  try {
    for (uint32_t i = 0; i < op.args.size(); ++i) {
      stack.push_back(toIValue(i < given ? jsArgs.Get(i) : env.Undefined(), op.args[i], op.name));
    }
    if (op.takesGenerator && state.ownGenerator) injectGenerator(stack, op, state.generator);
    op.handle.callBoxed(&stack);
  } catch (Napi::Error& e) {
    // An argument that did not convert (wrong type, disposed tensor): add the whole call's description.
    e.Value().Set("message", Napi::String::New(env, e.Message() + " [inputs: " + describeCall(op, jsArgs) + "]"));
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, op.name + " failed: " + firstLine(e.what()) + " [inputs: " +
                                    describeCall(op, jsArgs) + "]");
  }
  if (stack.empty()) return env.Undefined();
  // Outputs are reported after the stack is released, so that only the handles hold them (ownedBytes).
  std::vector<TensorBox*> later;
  std::vector<TensorBox*>* report = !state.scopeOpen && !op.returnsInput ? &later : nullptr;
  Napi::Value result;
  if (stack.size() == 1) {
    result = fromIValue(env, stack[0], report);
  } else {
    auto out = Napi::Array::New(env, stack.size());
    for (size_t i = 0; i < stack.size(); ++i) out.Set(static_cast<uint32_t>(i), fromIValue(env, stack[i], report));
    result = out;
  }
  stack.clear();
  for (TensorBox* box : later) reportOwned(env, box);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Tensors <-> bytes, metadata

/** fromBytes(uint8array, shape[], scalarType) -> handle (the bytes are copied). */
Napi::Value FromBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto bytes = info[0].As<Napi::TypedArray>();
  auto shapeArr = info[1].As<Napi::Array>();
  auto dtype = static_cast<c10::ScalarType>(info[2].As<Napi::Number>().Int32Value());
  std::vector<int64_t> shape(shapeArr.Length());
  for (uint32_t i = 0; i < shapeArr.Length(); ++i) shape[i] = toInt(shapeArr.Get(i), "fromBytes shape");
  try {
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    const size_t need = t.numel() * t.element_size();
    if (bytes.ByteLength() != need) {
      std::ostringstream s;
      s << "fromBytes: " << need << " bytes needed for shape " << describeTensor(t) << ", got " << bytes.ByteLength();
      throw Napi::RangeError::New(env, s.str());
    }
    auto* src = static_cast<uint8_t*>(bytes.ArrayBuffer().Data()) + bytes.ByteOffset();
    if (need) std::memcpy(t.data_ptr(), src, need);
    return wrapTensor(env, std::move(t));
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("fromBytes failed: ") + firstLine(e.what()));
  }
}

/** toBytes(handle) -> ArrayBuffer with the contiguous CPU bytes. */
Napi::Value ToBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = tensorOf(info[0], "toBytes");
  try {
    at::Tensor c = t.detach().to(at::kCPU).contiguous();
    const size_t n = c.numel() * c.element_size();
    auto buf = Napi::ArrayBuffer::New(env, n);
    if (n) std::memcpy(buf.Data(), c.data_ptr(), n);
    return buf;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("toBytes failed: ") + firstLine(e.what()));
  }
}

/** meta(handle) -> [scalarType, requiresGrad, ...shape] (one call for the fields the TS Tensor caches). */
Napi::Value Meta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = tensorOf(info[0], "meta");
  auto out = Napi::Array::New(env, t.dim() + 2);
  out.Set(0u, Napi::Number::New(env, static_cast<int>(t.scalar_type())));
  out.Set(1u, Napi::Boolean::New(env, t.requires_grad()));
  for (int64_t i = 0; i < t.dim(); ++i) out.Set(static_cast<uint32_t>(i + 2), Napi::Number::New(env, t.size(i)));
  return out;
}

Napi::Value DeviceOf(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tensorOf(info[0], "device").device().str());
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = tensorOf(info[0], "item");
  try {
    auto s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    return Napi::Number::New(env, s.toDouble());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, "item failed: " + firstLine(e.what()) + " [self=" + describeTensor(t) + "]");
  }
}

/** dispose(handle): frees the tensor now; later use throws. Idempotent. */
Napi::Value Dispose(const Napi::CallbackInfo& info) {
  TensorBox* box = boxOf(info[0], "dispose");
  if (box->reportedBytes) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -box->reportedBytes);
  box->reportedBytes = 0;
  box->tensor.reset();
  return info.Env().Undefined();
}

/** reportMemory(handle): the tensor outlives the scopes it was made in; report its owned bytes from now on. */
Napi::Value ReportMemory(const Napi::CallbackInfo& info) {
  reportOwned(info.Env(), boxOf(info[0], "reportMemory"));
  return info.Env().Undefined();
}

/** reportedBytes(handle) -> the bytes this handle reports to V8 now (0: a view, scoped, or disposed). */
Napi::Value ReportedBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(boxOf(info[0], "reportedBytes")->reportedBytes));
}

/** setScopeOpen(open): whether a tidy() scope is open in this environment (new handles then report nothing). */
Napi::Value SetScopeOpen(const Napi::CallbackInfo& info) {
  stateOf(info.Env()).scopeOpen = info[0].ToBoolean().Value();
  return info.Env().Undefined();
}

Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !boxOf(info[0], "isDisposed")->tensor.defined());
}

/** sameTensor(a, b): whether two handles hold the same TensorImpl (in-place ops return their input). */
Napi::Value SameTensor(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), tensorOf(info[0], "sameTensor").unsafeGetTensorImpl() ==
                                            tensorOf(info[1], "sameTensor").unsafeGetTensorImpl());
}

// ---------------------------------------------------------------------------------------------
// Autograd

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  at::Tensor t = tensorOf(info[0], "requiresGrad_");
  try {
    t.set_requires_grad(info[1].As<Napi::Boolean>().Value());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), "requiresGrad_ failed: " + firstLine(e.what()) + " [self=" +
                                           describeTensor(t) + "]");
  }
  return info.Env().Undefined();
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), tensorOf(info[0], "isLeaf").is_leaf());
}

Napi::Value GradFnName(const Napi::CallbackInfo& info) {
  const auto& fn = tensorOf(info[0], "gradFn").grad_fn();
  if (!fn) return info.Env().Null();
  return Napi::String::New(info.Env(), fn->name());
}

/** backward(tensors[], grads[] (handle|null), retainGraph, createGraph) */
Napi::Value Backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ts = info[0].As<Napi::Array>();
  auto gs = info[1].As<Napi::Array>();
  std::vector<at::Tensor> tensors, grads;
  std::string shapes;
  for (uint32_t i = 0; i < ts.Length(); ++i) {
    tensors.push_back(tensorOf(ts.Get(i), "backward"));
    shapes += (i ? ", " : "") + describeTensor(tensors.back());
    auto g = i < gs.Length() ? gs.Get(i) : env.Null();
    grads.push_back(g.IsNull() || g.IsUndefined() ? at::Tensor() : tensorOf(g, "backward gradient"));
  }
  bool retain = info[2].As<Napi::Boolean>().Value();
  bool create = info[3].As<Napi::Boolean>().Value();
  try {
    torch::autograd::backward(tensors, grads, retain, create);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, "backward failed: " + firstLine(e.what()) + " [tensors: " + shapes + "]");
  }
  return env.Undefined();
}

/** grad(outputs[], inputs[], gradOutputs[], retainGraph, createGraph, allowUnused) -> handles (autograd.grad). */
Napi::Value Grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto os = info[0].As<Napi::Array>();
  auto is = info[1].As<Napi::Array>();
  auto gs = info[2].As<Napi::Array>();
  std::vector<at::Tensor> outs, ins, gouts;
  for (uint32_t i = 0; i < os.Length(); ++i) {
    outs.push_back(tensorOf(os.Get(i), "grad"));
    auto g = i < gs.Length() ? gs.Get(i) : env.Null();
    gouts.push_back(g.IsNull() || g.IsUndefined() ? at::Tensor() : tensorOf(g, "grad gradient"));
  }
  for (uint32_t i = 0; i < is.Length(); ++i) ins.push_back(tensorOf(is.Get(i), "grad input"));
  std::vector<at::Tensor> res;
  try {
    res = torch::autograd::grad(outs, ins, gouts, info[3].As<Napi::Boolean>().Value(),
                                info[4].As<Napi::Boolean>().Value(), info[5].As<Napi::Boolean>().Value());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, "grad failed: " + firstLine(e.what()));
  }
  auto out = Napi::Array::New(env, res.size());
  for (size_t i = 0; i < res.size(); ++i) out.Set(static_cast<uint32_t>(i), wrapTensor(env, std::move(res[i])));
  return out;
}

Napi::Value GetGrad(const Napi::CallbackInfo& info) {
  return wrapTensor(info.Env(), tensorOf(info[0], "grad").grad());
}

Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  at::Tensor t = tensorOf(info[0], "setGrad");
  if (info[1].IsNull() || info[1].IsUndefined()) {
    t.mutable_grad().reset();
  } else {
    t.mutable_grad() = tensorOf(info[1], "setGrad value");
  }
  return info.Env().Undefined();
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  c10::GradMode::set_enabled(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

// ---------------------------------------------------------------------------------------------
// Runtime

/** manualSeed(seed): this environment's CPU generator (and, on the main thread, the CUDA ones). */
Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  const auto seed = static_cast<uint64_t>(toInt(info[0], "manualSeed"));
  AddonState& state = stateOf(info.Env());
  if (state.ownGenerator) {
    std::lock_guard<std::mutex> lock(state.generator.mutex());
    state.generator.set_current_seed(seed);
  } else {
    at::manual_seed(seed);
  }
  return info.Env().Undefined();
}

/** ownGenerator(): from now on this environment (a Worker) draws from a generator of its own. */
Napi::Value OwnGenerator(const Napi::CallbackInfo& info) {
  AddonState& state = stateOf(info.Env());
  if (!state.ownGenerator) state.generator = at::detail::createCPUGenerator(c10::default_rng_seed_val);
  state.ownGenerator = true;
  return info.Env().Undefined();
}

/** getRngState() -> handle of the CPU generator's state (a uint8 tensor), as torch.get_rng_state(). */
Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  auto gen = stateOf(info.Env()).generator;
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrapTensor(info.Env(), gen.get_state());
}

/** setRngState(handle): restores a state from getRngState(), as torch.set_rng_state(). */
Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  const at::Tensor& state = tensorOf(info[0], "setRngState");
  auto gen = stateOf(info.Env()).generator;
  try {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), "setRngState failed: " + firstLine(e.what()));
  }
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  at::set_num_threads(static_cast<int>(toInt(info[0], "setNumThreads")));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

// BLAS library configuration. libtorch calls the system BLAS (Debian: libblas.so.3, whichever alternative is
// installed: reference, OpenBLAS pthread/openmp, BLIS) and at::set_num_threads does not reach it. OpenBLAS's
// pthread build keeps one process-wide thread pool of its own, which deadlocked when several Node threads
// called sgemm at once; setting its thread count to 1 makes every call run on its caller. The control is
// looked up by name in every loaded library (dlsym on RTLD_DEFAULT misses libraries that Node loaded
// RTLD_LOCAL with the addon), so nothing is linked and nothing is cached.

void* findLoadedSymbol(const char* name) {
  if (void* f = dlsym(RTLD_DEFAULT, name)) return f;
  struct Search {
    const char* name;
    void* found;
  } search{name, nullptr};
  dl_iterate_phdr(
      [](dl_phdr_info* lib, size_t, void* data) -> int {
        auto* s = static_cast<Search*>(data);
        if (!lib->dlpi_name || !lib->dlpi_name[0]) return 0;
        void* handle = dlopen(lib->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
        if (!handle) return 0;
        s->found = dlsym(handle, s->name);
        dlclose(handle);  // only drops the reference RTLD_NOLOAD took
        return s->found ? 1 : 0;
      },
      &search);
  return search.found;
}

/** setBlasThreads(n) -> whether the loaded BLAS has a thread control (OpenBLAS, BLIS) and it was set. */
Napi::Value SetBlasThreads(const Napi::CallbackInfo& info) {
  const int n = static_cast<int>(toInt(info[0], "setBlasThreads"));
  if (n < 1) throw Napi::RangeError::New(info.Env(), "setBlasThreads: expected a positive integer");
  if (auto f = reinterpret_cast<void (*)(int)>(findLoadedSymbol("openblas_set_num_threads"))) {
    f(n);
    return Napi::Boolean::New(info.Env(), true);
  }
  if (auto f = reinterpret_cast<void (*)(int64_t)>(findLoadedSymbol("bli_thread_set_num_threads"))) {
    f(n);
    return Napi::Boolean::New(info.Env(), true);
  }
  return Napi::Boolean::New(info.Env(), false);
}

/** blasInfo() -> { library, threads } of the loaded BLAS (threads: null when it has no thread control). */
Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
  if (auto config = reinterpret_cast<char* (*)()>(findLoadedSymbol("openblas_get_config"))) {
    std::string library = config();
    if (auto parallel = reinterpret_cast<int (*)()>(findLoadedSymbol("openblas_get_parallel"))) {
      const int p = parallel();
      library += p == 0 ? " (sequential)" : p == 1 ? " (pthreads)" : " (OpenMP)";
    }
    out.Set("library", library);
    auto get = reinterpret_cast<int (*)()>(findLoadedSymbol("openblas_get_num_threads"));
    out.Set("threads", get ? Napi::Number::New(env, get()) : env.Null());
  } else if (auto get = reinterpret_cast<int64_t (*)()>(findLoadedSymbol("bli_thread_get_num_threads"))) {
    out.Set("library", "BLIS");
    out.Set("threads", Napi::Number::New(env, static_cast<double>(get())));
  } else {
    out.Set("library", "no thread control (reference BLAS, or MKL through at::set_num_threads)");
    out.Set("threads", env.Null());
  }
  return out;
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  int n = 0;
  try {
    n = at::detail::getCUDAHooks().getNumGPUs();
  } catch (...) {
    n = 0;
  }
  return Napi::Number::New(info.Env(), n);
}

Napi::Value ParallelInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), at::get_parallel_info());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* state = new AddonState();
  state->ops.reserve(1024);
  env.SetInstanceData(state);  // deleted when this environment is torn down
  exports.Set("findOp", Napi::Function::New(env, FindOp));
  exports.Set("opSchema", Napi::Function::New(env, OpSchema));
  exports.Set("allSchemas", Napi::Function::New(env, AllSchemas));
  exports.Set("callOp", Napi::Function::New(env, CallOp));
  exports.Set("fromBytes", Napi::Function::New(env, FromBytes));
  exports.Set("toBytes", Napi::Function::New(env, ToBytes));
  exports.Set("meta", Napi::Function::New(env, Meta));
  exports.Set("device", Napi::Function::New(env, DeviceOf));
  exports.Set("item", Napi::Function::New(env, Item));
  exports.Set("dispose", Napi::Function::New(env, Dispose));
  exports.Set("isDisposed", Napi::Function::New(env, IsDisposed));
  exports.Set("reportMemory", Napi::Function::New(env, ReportMemory));
  exports.Set("reportedBytes", Napi::Function::New(env, ReportedBytes));
  exports.Set("setScopeOpen", Napi::Function::New(env, SetScopeOpen));
  exports.Set("isTensor", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
                return Napi::Boolean::New(i.Env(), isTensorHandle(i[0]));
              }));
  exports.Set("sameTensor", Napi::Function::New(env, SameTensor));
  exports.Set("setRequiresGrad", Napi::Function::New(env, SetRequiresGrad));
  exports.Set("isLeaf", Napi::Function::New(env, IsLeaf));
  exports.Set("gradFnName", Napi::Function::New(env, GradFnName));
  exports.Set("backward", Napi::Function::New(env, Backward));
  exports.Set("grad", Napi::Function::New(env, Grad));
  exports.Set("getGrad", Napi::Function::New(env, GetGrad));
  exports.Set("setGrad", Napi::Function::New(env, SetGrad));
  exports.Set("setGradEnabled", Napi::Function::New(env, SetGradEnabled));
  exports.Set("isGradEnabled", Napi::Function::New(env, IsGradEnabled));
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed));
  exports.Set("ownGenerator", Napi::Function::New(env, OwnGenerator));
  exports.Set("getRngState", Napi::Function::New(env, GetRngState));
  exports.Set("setRngState", Napi::Function::New(env, SetRngState));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("setBlasThreads", Napi::Function::New(env, SetBlasThreads));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, CudaDeviceCount));
  exports.Set("parallelInfo", Napi::Function::New(env, ParallelInfo));
  exports.Set("torchVersion", Napi::String::New(env, kTorchVersion));
  return exports;
}

}  // namespace

NODE_API_MODULE(ribbit, Init)
