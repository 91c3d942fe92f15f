
}
corpus-pb-good€›þ×Zc
shunfengSF7000000001	kuaidi100