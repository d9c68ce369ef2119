{{/* Names, labels and shared snippets of the vpo chart. */}}

{{- define "vpo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vpo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "vpo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vpo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vpo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{/* Labels of every object, without app.kubernetes.io/component. */}}
{{- define "vpo.commonLabels" -}}
helm.sh/chart: {{ include "vpo.chart" . }}
app.kubernetes.io/name: {{ include "vpo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: vpo
{{- end -}}

{{/* Labels of the operator's objects. */}}
{{- define "vpo.labels" -}}
{{ include "vpo.commonLabels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "vpo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "vpo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The image reference: repository@digest, else repository:tag (tag defaults to appVersion). */}}
{{- define "vpo.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "vpo.runtimeImage" -}}
{{- default (include "vpo.image" .) .Values.runtime.image -}}
{{- end -}}

{{- /* The CUDA variant (VARIANT=cuda) for backends of cuda sessions: runtime.cudaImage, else the
runtime image's tag with "-cuda". Empty for a digest: the operator then refuses cuda pipelines
with a condition saying to set runtime.cudaImage. */}}
{{- define "vpo.runtimeCudaImage" -}}
{{- $image := include "vpo.runtimeImage" . -}}
{{- if .Values.runtime.cudaImage -}}
{{- .Values.runtime.cudaImage -}}
{{- else if not (contains "@" $image) -}}
{{- printf "%s-cuda" $image -}}
{{- end -}}
{{- end -}}

{{- define "vpo.frameStoreClaim" -}}
{{- $pvc := .Values.frameStore.persistentVolumeClaim -}}
{{- if $pvc.create -}}
{{- default (printf "%s-frames" (include "vpo.fullname" .)) $pvc.name -}}
{{- else -}}
{{- required "frameStore.persistentVolumeClaim.name is required when frameStore.persistentVolumeClaim.create is false" $pvc.name -}}
{{- end -}}
{{- end -}}

{{/* An env entry from a secretKeyRef: (dict "name" ENV "ref" {name,key}). */}}
{{- define "vpo.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "%s: a Secret name is required" .what) .ref.name }}
      key: {{ required (printf "%s: a Secret key is required" .what) .ref.key }}
{{- end -}}
